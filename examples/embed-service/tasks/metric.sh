#!/bin/sh
# Stands in for the criterion: 1 - (iteration + 1) * step, with `--step STEP` (0.1 by default).
step=${2:-0.1}
awk -v i="$ROSE_ITERATION" -v s="$step" 'BEGIN { printf "%.4f\n", 1 - (i + 1) * s }'
