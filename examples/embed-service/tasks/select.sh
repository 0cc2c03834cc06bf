#!/bin/sh
# Stands in for active learning: appends the iteration to a file in the learner's working directory.
echo "$ROSE_ITERATION" >> selected.txt
