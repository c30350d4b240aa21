#!/usr/bin/env bash
# Runs penholder's fuzz targets one after another at low priority and prints libFuzzer's final
# figures for each (executions, coverage, corpus).
#
#   fuzz/run.sh                 every target for 600 s (the figure issue 8 asks for)
#   fuzz/run.sh 10              smoke: every target for 10 s
#   fuzz/run.sh 600 merge       some targets only
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Only the stable toolchain exists here,
# so RUSTC_BOOTSTRAP=1 lets it accept the -Z flags cargo-fuzz passes (sanitizer, coverage).
# The first corpus folder given to libFuzzer is where it writes: corpora grow in fuzz/corpus/<target> (ignored by git), seeded from fuzz/seeds/<target>
# (committed; `python3 fuzz/make-seeds.py` rewrites them from the fixtures). A crash stops the
# run with exit 1, its input in fuzz/artifacts/<target>/; logs are in fuzz/logs/.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
all_targets=(tokenize import_markdown import_structured import_council_note import_json import_akn import_docx merge submission)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${all_targets[@]}")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
binaries=fuzz/target/x86_64-unknown-linux-gnu/release
# Release with debug assertions and overflow checks; AddressSanitizer (cargo-fuzz's default).
# Only `submission` needs the server crate (the `server` feature); the others build without
# it, so a server change in progress cannot stop them.
build() {
  if [ "$1" = submission ]; then
    nice -n 19 cargo fuzz build -O -a submission
  else
    nice -n 19 cargo fuzz build -O -a --no-default-features "$1"
  fi
}
for target in "${targets[@]}"; do
  if [ ! -f "fuzz/fuzz_targets/$target.rs" ]; then
    echo "no such target: $target" >&2
    exit 2
  fi
  build "$target"
done

mkdir -p fuzz/logs
status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  log="fuzz/logs/$target.log"
  echo "== $target: ${seconds}s"
  # -timeout: an input slower than 10 s is a hang (a quadratic blow-up), reported as a crash.
  # -max_len: the Council note seed is 22 KB; every other target keeps libFuzzer's choice.
  extra=()
  if [ "$target" = import_council_note ]; then extra+=(-max_len=32768); fi
  # The binary is run directly (what `cargo fuzz run` does after its build), so that a rebuild
  # elsewhere cannot slip between two targets.
  mkdir -p "fuzz/artifacts/$target" fuzz/target/running
  # A copy, so that a rebuild while the run goes on does not touch the running binary.
  cp "$binaries/$target" "fuzz/target/running/$target"
  if nice -n 19 "fuzz/target/running/$target" -artifact_prefix="fuzz/artifacts/$target/" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "${extra[@]}" "fuzz/corpus/$target" "fuzz/seeds/$target" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" || true)
  echo "   $result: executed ${executed:-?}, ${cov:-no coverage line}"
  if [ "$result" = CRASH ]; then
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -5 || true
  fi
done
exit $status
