#!/bin/sh
# Plans per wall second of the default `vrrplab sim` plan (60 simulated seconds) through the
# event engine and through turmoil stepping every millisecond, against bare turmoil running as
# many hosts for as long; all measured in one run of one process, ratios printed.
#   benches/compare-sim.sh [SECONDS-PER-WORKLOAD]   (default 5)
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p vrrplab-benches --bin compare-sim -- "$@"
