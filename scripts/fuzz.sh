#!/usr/bin/env bash
# Fuzzes every file format flowkit reads (NPY, IDX, CSV, safetensors, the JSON config, the
# checkpoint manifests) with libFuzzer, each harness for a bounded time, and fails on any crash.
#
#   bash scripts/fuzz.sh [seconds-per-harness] [harness...]     (default 30 s, every harness)
#
# The harnesses are SwiftPM targets in Fuzz/ that exist only when FLOWKIT_FUZZ=1 (Package.swift),
# built with libFuzzer and its coverage instrumentation (shipped with the Swift toolchain) and
# AddressSanitizer (so an out-of-bounds read through an unsafe pointer, unchecked in release
# builds, is caught). Each run starts from the seed corpus in
# Fuzz/Corpus/<harness>/ and keeps what it finds in .fuzz/corpus/<harness>/; a crashing input is
# written to .fuzz/crashes/ (both gitignored). Reproduce one with
#   .build-fuzzing/release/Fuzz<Name> .fuzz/crashes/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
all=(NPY IDX CSV SafeTensors Config Manifest)
if [ "$#" -gt 0 ]; then harnesses=("$@"); else harnesses=("${all[@]}"); fi
scratch=.build-fuzzing
work=.fuzz

export FLOWKIT_FUZZ=1
# One -sanitize= flag holding both: swiftc keeps only the last of several, and SwiftPM orders
# its --sanitize options at random, so `--sanitize=fuzzer --sanitize=address` sometimes builds
# without libFuzzer's coverage instrumentation. --sanitize=fuzzer still tells SwiftPM to link
# libFuzzer's main.
flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path "$scratch")
mkdir -p "$work"
build_start=$(date +%s)
for name in "${harnesses[@]}"; do
    status=0
    swift build "${flags[@]}" --product "Fuzz$name" >"$work/build.log" 2>&1 || status=$?
    # Progress lines, the dependencies' own warnings (about files in their checkouts) and gold's
    # note on an AddressSanitizer symbol are noise here. (lld would not print that note, but
    # drops the coverage sections libFuzzer needs.)
    grep -v -e '^\[' -e '^Building for' -e '^Build of product' -e '^Fetch' -e '^Comput' -e '^Creating working copy' \
        -e '^Working copy' -e "^warning: '[^']*': found" -e "^    $PWD/$scratch/checkouts/" \
        -e "ld.gold: warning: Cannot export local symbol '__asan_extra_spill_area'" "$work/build.log" || true
    [ "$status" -eq 0 ] || { echo "fuzz: building Fuzz$name failed (exit $status)" >&2; exit 1; }
done
echo "fuzz: built ${#harnesses[@]} harnesses in $(( $(date +%s) - build_start )) s"

# The Swift runtime's backtracer would catch the trap before libFuzzer can save the input.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
failed=()
for name in "${harnesses[@]}"; do
    lower=$(echo "$name" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$work/corpus/$lower" "$work/crashes"
    log="$work/$lower.log"
    status=0
    # New inputs go to the first folder only, so the seed corpus in the repo stays as it is.
    "$scratch/release/Fuzz$name" "$work/corpus/$lower" "Fuzz/Corpus/$lower" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/$lower-" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    coverage=$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
    echo "fuzz: $name: ${runs:-?} runs, ${speed:-?}/s, ${coverage:-no coverage line}, exit $status"
    # A harness without coverage feedback would "pass" while fuzzing blind.
    if [ "$status" -eq 0 ] && [ -z "$coverage" ]; then
        echo "fuzz: $name: libFuzzer saw no coverage (is the code instrumented?)" >&2
        status=1
    fi
    if [ "$status" -ne 0 ]; then
        failed+=("$name")
        grep -a -E -A 12 'ERROR: libFuzzer|ERROR: AddressSanitizer|deadly signal|Fatal error|Test unit written' "$log" | head -n 40 >&2 || true
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}; inputs in $work/crashes/, logs in $work/" >&2
    exit 1
fi
echo "fuzz: no crashes"
