#!/bin/sh
# Stands in for training: takes `--seconds S`, then reports its state as a JSON line.
seconds=${2:-0.5}
sleep "$seconds"
echo "{\"trained_at_iteration\": $ROSE_ITERATION, \"pid\": $$}"
