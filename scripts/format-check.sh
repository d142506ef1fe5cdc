#!/usr/bin/env bash
# Formatting and file-length check (run by .ci/run; nothing is changed):
# - every Swift file under Sources/ and Tests/ (and Package.swift) is as `swift format` (the
#   toolchain's formatter, configured by .swift-format: 4-space indent, 160 columns) leaves it;
# - no Swift file is longer than 500 lines and no kernel file (Kernels/*.cl) longer than 400: one
#   type or one op family per file keeps files well under that; a file that grows past it wants
#   splitting, not a higher budget.
# To fix the first: swift format format -i -r Sources Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."

swift_budget=500
kernel_budget=400
status=0

work=$(mktemp -d "${TMPDIR:-/tmp}/format-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r Sources Tests Package.swift .swift-format "$work/"
(cd "$work" && swift format format -i -r --parallel Sources Tests Package.swift)
for folder in Sources Tests; do
    if ! diff -r -q "$folder" "$work/$folder" > "$work/differences"; then
        sed -e "s|$work/||" -e 's/^Files \(.*\) and .* differ$/not formatted: \1/' "$work/differences"
        status=1
    fi
done
if ! diff -q Package.swift "$work/Package.swift" > /dev/null; then echo "not formatted: Package.swift"; status=1; fi
[ "$status" = 0 ] || echo "format-check: run 'swift format format -i -r Sources Tests Package.swift'"

while IFS= read -r -d '' file; do
    lines=$(wc -l < "$file")
    if [ "$lines" -gt "$swift_budget" ]; then echo "too long: $file has $lines lines (budget $swift_budget)"; status=1; fi
done < <(find Sources Tests -name '*.swift' -print0)
for file in Kernels/*.cl; do
    lines=$(wc -l < "$file")
    if [ "$lines" -gt "$kernel_budget" ]; then echo "too long: $file has $lines lines (budget $kernel_budget)"; status=1; fi
done

[ "$status" = 0 ] && echo "format-check: every file formatted and within its length budget"
exit "$status"
