#!/usr/bin/env bash
# Measure the baked project's session socket against the floor of its stack, and write
# benchmarks/RESULTS.md: benchmarks/run.sh [--quick] [--suite] [--only PART ...] [--profile DIR]
# (--help says more). It bakes into a temporary folder; a full run takes 12 to 25 minutes on two cores.
source "$(dirname "$0")/../scripts/bootstrap.sh"
cd "$REPO_DIR"
# The bakes' own scripts use uv from PATH when there is one.
export PATH="$(dirname "$UV"):$PATH"
exec "$UV" run --locked --group benchmarks python -m benchmarks "$@"
