#!/usr/bin/env bash
# A CI-sized run of every fuzz target on the stable toolchain, without cargo-fuzz: the targets
# are built with libFuzzer's coverage instrumentation (`-Cpasses=sancov-module`, the flags
# cargo-fuzz passes, minus the address sanitizer, which needs nightly) and `cfg(fuzzing)`, then
# each runs SECONDS (default 20) from the committed seeds into a scratch corpus. A crash fails
# the script (libFuzzer exits non-zero and writes the reproducer to ARTIFACTS, default a new
# temporary directory, whose path is printed).
#
#   fuzz/smoke.sh            # 20 s per target
#   SECONDS_PER_TARGET=120 fuzz/smoke.sh
set -euo pipefail
cd "$(dirname "$0")"

per_target=${SECONDS_PER_TARGET:-20}
artifacts=${ARTIFACTS:-$(mktemp -d /tmp/vrrplab-fuzz-artifacts.XXXXXX)}
scratch=$(mktemp -d /tmp/vrrplab-fuzz-corpus.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# An explicit target keeps RUSTFLAGS off the build scripts, as cargo-fuzz does.
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked -q --bins --target "$host"

for target in advert_round_trip arp_ndp receive_path; do
  mkdir -p "$scratch/$target"
  echo "fuzz smoke: $target for ${per_target} s (seeds: seeds/$target, artifacts: $artifacts)"
  ./target/"$host"/release/"$target" "$scratch/$target" "seeds/$target" \
    -max_total_time="$per_target" -artifact_prefix="$artifacts/" -print_final_stats=1 2>"$scratch/$target.log" || {
    tail -n 40 "$scratch/$target.log"
    echo "fuzz smoke: $target FAILED; reproducer in $artifacts" >&2
    exit 1
  }
  grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$scratch/$target.log" | tr '\n' ' '
  echo
done
echo "fuzz smoke: no crash"
