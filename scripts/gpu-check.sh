#!/usr/bin/env bash
# The GPU run (issues 13, 29): everything a GPU host without a Swift toolchain or internet needs to
# say whether flowkit works there and how fast, from the carry bundle (scripts/gpu-bundle.sh).
#
#   gpu-check.sh [--include-cpu-devices] [--devices D1,D2] [--quick] [--budget SECONDS] [--no-peers] [BINARY]
#
# BINARY defaults to ./flowkit next to this script (the bundle's wrapper), else .build/release/flowkit.
# Order, cheapest and most important first, every step in its own process under `timeout` (one
# illegal address poisons a CUDA context for the rest of its process): the host, driver and
# library inventory; `flowkit devices --json`; then for each device under test, CUDA devices
# first, then OpenCL ones: `flowkit check` one section per process, `flowkit bench` (kernels), the
# workloads W1–W5, and on the first device a short training of Glow on the digits and of nsf on
# moons with the log-densities compared against the CPU's; last, bench/peers.py's W1–W5 with
# PyTorch on CUDA (one workload per process). A step that would
# run past the budget (default 480 s for the whole run) is skipped, and says so.
#
# Everything is written to a work folder ($GPU_CHECK_WORK, default a fresh one under $TMPDIR or
# /tmp), never into $OUT: on the GPU host $OUT is emptied before each run and only a few files come
# back from it. At the end (also when interrupted) the work folder is packed into ONE archive,
# $OUT/gpu-check-<host>-<time>.tar.gz, with summary.txt beside it: two files in $OUT.
# Exit status: 0 when every step passed (or there is no GPU device at all, which is reported);
# 1 when a step failed, timed out or was skipped for the budget.
#
#   --include-cpu-devices  also treat the CPU and CPU OpenCL devices (PoCL) as devices under
#                          test: runs the whole flow on a machine without a GPU (the rehearsal)
#   --devices D1,D2        exactly these devices (selectors as `flowkit devices` prints them)
#   --quick                short benches (1 repeat, 2 timed steps) and trainings: to try the script itself
#   --budget SECONDS       the whole run's time limit (default 480)
#   --no-peers             leave out bench/peers.py
#
# A GPU device is any device whose driver reports it as a GPU or accelerator (`hardware` in
# `flowkit devices --json`); without that field, any device that is not the CPU backend and not
# a CPU OpenCL device (PoCL names those pthread-…, cpu-… or basic).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
started_at=$SECONDS
include_cpu=0
quick=0
peers_wanted=1
budget=480
only_devices=""
binary=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --include-cpu-devices) include_cpu=1 ;;
        --quick) quick=1 ;;
        --no-peers) peers_wanted=0 ;;
        --budget) budget="${2:?--budget needs seconds}"; shift ;;
        --devices) only_devices="${2:?--devices needs a comma-separated list}"; shift ;;
        -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu-check.sh: unknown option $1" >&2; exit 2 ;;
        *) binary="$1" ;;
    esac
    shift
done
[[ "$budget" =~ ^[0-9]+$ ]] || { echo "gpu-check.sh: --budget must be whole seconds, got '$budget'" >&2; exit 2; }
if [[ -z "$binary" ]]; then
    for candidate in "$here/flowkit" "$here/../.build/release/flowkit" ./.build/release/flowkit; do
        if [[ -x "$candidate" ]]; then binary="$candidate"; break; fi
    done
fi
if [[ -z "$binary" || ! -x "$binary" ]]; then
    echo "gpu-check.sh: no flowkit binary (give its path; scripts/gpu-bundle.sh builds the bundle)" >&2
    exit 2
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
# The bundle's ./flowkit is a wrapper that puts its lib/ on LD_LIBRARY_PATH for flowkit alone
# (PyTorch must keep the host's libraries); the ELF it runs is bin/flowkit.
elf="$binary"
[[ -x "$(dirname "$binary")/bin/flowkit" ]] && elf="$(dirname "$binary")/bin/flowkit"
bundle_lib="$(dirname "$elf")/../lib"
[[ -d "$bundle_lib" ]] && bundle_lib="$(cd "$bundle_lib" && pwd)" || bundle_lib=""

out="${OUT:-./gpu-check-out}"
mkdir -p "$out" && out="$(cd "$out" && pwd)"
work="${GPU_CHECK_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")}"
mkdir -p "$work" && work="$(cd "$work" && pwd)"
[[ "$work" == "$out" || "$work" == "$out"/* ]] && { echo "gpu-check.sh: the work folder must not be inside \$OUT ($out)" >&2; exit 2; }
summary="$work/summary.txt"
: > "$summary"
failures=0
sampler_pid=""
current_step=""

say() { echo "$*" | tee -a "$summary"; }
section() { echo; echo "=== $*"; }
elapsed() { echo $((SECONDS - started_at)); }

# The one archive in $OUT: the work folder, packed after each device (so that a run killed at the
# host's limit still leaves what it had) and at the end; summary.txt beside it.
archive="$out/gpu-check-$(hostname 2> /dev/null | tr -c 'A-Za-z0-9.-' '_' | cut -c1-32)-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
pack() {
    tar czf "$archive.partial" -C "$(dirname "$work")" --exclude "$(basename "$work")/kernel-cache" "$(basename "$work")" 2> /dev/null \
        && mv "$archive.partial" "$archive"
    cp "$summary" "$out/summary.txt" 2> /dev/null
}

finish() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n "$current_step" ]] && kill -TERM "$current_step" 2> /dev/null && wait "$current_step" 2> /dev/null
    [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2> /dev/null
    say "gpu-check: finished after $(elapsed) s with $failures failed or skipped step(s)"
    pack
    echo "results: $archive ($(du -h "$archive" 2> /dev/null | cut -f1)), $out/summary.txt; work folder $work"
    exit "$rc"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT TERM

# Seconds left before the budget, keeping 15 s to pack up.
remaining() { echo $((budget - (SECONDS - started_at) - 15)); }

# step NAME LIMIT COMMAND...: runs COMMAND with stdout in $work/NAME and stderr in NAME.stderr,
# under `timeout` (LIMIT seconds, or what is left of the budget); a failure, a timeout or a skip
# for the budget is counted and reported, never fatal. Returns the command's status.
step() {
    local name="$1" limit="$2"; shift 2
    local left; left=$(remaining)
    if (( left < 5 )); then
        say "SKIP  $name: the budget of $budget s is spent"
        failures=$((failures + 1))
        return 124
    fi
    (( limit > left )) && limit=$left
    local before=$SECONDS rc=0
    # In the background and waited for, so that a signal to this script is handled at once
    # (bash runs traps only between commands) and ends the step too.
    timeout --kill-after=10 "$limit" "$@" > "$work/$name" 2> "$work/$name.stderr" &
    current_step=$!
    wait "$current_step" || rc=$?
    current_step=""
    local took=$((SECONDS - before))
    if [[ $rc -eq 0 ]]; then
        say "ok    $name ($took s)"
    elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
        say "FAIL  $name: timed out after $took s (limit $limit s)"
        failures=$((failures + 1))
    else
        say "FAIL  $name: exit $rc after $took s (see $name.stderr)"
        tail -n 3 "$work/$name.stderr" | sed 's/^/      /' | cut -c1-300 | tee -a "$summary"
        failures=$((failures + 1))
    fi
    return $rc
}

section "host"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -a)"
    echo "cpus: $(nproc 2> /dev/null)  memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2> /dev/null)"
    echo "glibc: $(getconf GNU_LIBC_VERSION 2> /dev/null || ldd --version 2> /dev/null | head -n 1)"
    echo "binary: $binary (runs $elf, $(du -h "$elf" | cut -f1))"
    [[ -f "$(dirname "$binary")/BUNDLE.txt" ]] && sed 's/^/bundle: /' "$(dirname "$binary")/BUNDLE.txt"
    echo "work: $work  OUT: $out  budget: $budget s  quick: $quick"
} 2>&1 | tee "$work/host.txt"
# The binary needs glibc at least as new as its newest GLIBC_ symbol version (BUNDLE.txt says which).
needed_glibc="$(sed -n 's/^newest GLIBC symbol: GLIBC_//p' "$(dirname "$binary")/BUNDLE.txt" 2> /dev/null)"
host_glibc="$(getconf GNU_LIBC_VERSION 2> /dev/null | awk '{print $2}')"
if [[ -n "$needed_glibc" && -n "$host_glibc" ]] \
    && [[ "$(printf '%s\n%s\n' "$needed_glibc" "$host_glibc" | sort -V | head -n 1)" != "$needed_glibc" ]]; then
    say "WARNING: the binary needs glibc $needed_glibc, the host has $host_glibc: rebuild the bundle on an older distribution"
fi

section "NVIDIA driver"
if command -v nvidia-smi > /dev/null; then
    timeout 30 nvidia-smi 2>&1 | tee "$work/nvidia-smi.txt"
    timeout 30 nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv 2>&1 | tee -a "$work/nvidia-smi.txt"
    # Device memory and utilisation once a second for the whole run: the peak is read from it.
    nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,nounits -l 1 > "$work/gpu-samples.csv" 2> /dev/null &
    sampler_pid=$!
else
    echo "nvidia-smi not found" | tee "$work/nvidia-smi.txt"
fi

section "libraries"
# Container images mount the host's driver into /usr/local/nvidia without registering it with the
# linker: flowkit looks there for libcuda.so.1 itself, the OpenCL ICD below names the full path.
extra_ld=""
for directory in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [[ -e "$directory/libcuda.so.1" || -e "$directory/libnvidia-opencl.so.1" ]] && extra_ld+="$directory:"
done
find_library() {  # soname: the first path the linker cache or the usual folders know
    local found
    found="$( (ldconfig -p 2> /dev/null || /sbin/ldconfig -p 2> /dev/null) | awk -v n="$1" '$1 == n && /x86-64|x86_64/ {print $NF; exit}')"
    if [[ -z "$found" ]]; then
        for directory in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/cuda/lib64 /usr/lib/wsl/lib; do
            [[ -e "$directory/$1" ]] && { found="$directory/$1"; break; }
        done
    fi
    echo "$found"
}
{
    for library in libcuda.so.1 libnvidia-opencl.so.1 libOpenCL.so.1 libnvrtc.so.13 libnvrtc.so.12; do
        echo "$library: $(find_library "$library")"
    done
    [[ -n "$bundle_lib" ]] && echo "carried: $(ls "$bundle_lib" | tr '\n' ' ')"
    echo "# ldd $elf"
    LD_LIBRARY_PATH="${bundle_lib:+$bundle_lib:}${extra_ld}${LD_LIBRARY_PATH:-}" ldd "$elf" 2>&1
} > "$work/libraries.txt"
cat "$work/libraries.txt" | head -n 8
if grep -q "not found" "$work/libraries.txt"; then
    say "WARNING: libraries the binary needs are missing (carry them in the bundle's lib/):"
    grep "not found" "$work/libraries.txt" | tee -a "$summary"
fi

# flowkit as `timeout` and peers.py start it: a script that puts the bundle's lib/ and the
# driver's folder on LD_LIBRARY_PATH for flowkit alone (PyTorch keeps the host's libraries).
mkdir -p "$work/tools"
fk="$work/tools/flowkit"
printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' \
    "${bundle_lib:+$bundle_lib:}${extra_ld%:}" "$binary" > "$fk"
chmod +x "$fk"

section "OpenCL ICD"
# The ICD loader finds vendors through /etc/OpenCL/vendors/*.icd (or $OCL_ICD_VENDORS). NVIDIA's
# file is often missing in containers, where the driver is mounted read-only: write one naming
# the driver's OpenCL library by its full path, in /etc when writable, else in the work folder.
nvidia_opencl="$(find_library libnvidia-opencl.so.1)"
{
    echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}"
    for icd in /etc/OpenCL/vendors/*.icd; do [[ -e "$icd" ]] && echo "$icd: $(cat "$icd")"; done
    if [[ -n "$nvidia_opencl" ]] && ! grep -qs "libnvidia-opencl" /etc/OpenCL/vendors/*.icd "${OCL_ICD_VENDORS:-/nonexistent}"/*.icd; then
        if mkdir -p /etc/OpenCL/vendors 2> /dev/null && echo "$nvidia_opencl" > /etc/OpenCL/vendors/nvidia.icd 2> /dev/null; then
            echo "wrote /etc/OpenCL/vendors/nvidia.icd: $nvidia_opencl"
        else
            mkdir -p "$work/icd"
            cp /etc/OpenCL/vendors/*.icd "$work/icd/" 2> /dev/null
            echo "$nvidia_opencl" > "$work/icd/nvidia.icd"
            export OCL_ICD_VENDORS="$work/icd"
            echo "/etc/OpenCL/vendors is not writable: OCL_ICD_VENDORS=$OCL_ICD_VENDORS with nvidia.icd: $nvidia_opencl"
        fi
    elif [[ -z "$nvidia_opencl" ]]; then
        echo "no libnvidia-opencl.so.1 on this host"
    fi
} 2>&1 | tee "$work/icd.txt"
[[ -f "$work/icd/nvidia.icd" ]] && export OCL_ICD_VENDORS="$work/icd"

section "NVRTC"
# flowkit looks in $FLOWKIT_NVRTC_DIR, the linker's path, the CUDA toolkit and site-packages
# itself; name the folder explicitly so the record says which NVRTC was used: a carried nvrtc/,
# else the wheels pip installed (CUDA 13: nvidia/cu13/lib/libnvrtc.so.13; CUDA 12:
# nvidia/cuda_nvrtc/lib/libnvrtc.so.12), found by a glob over Python's site-packages folders.
if [[ -z "${FLOWKIT_NVRTC_DIR:-}" ]] && compgen -G "$(dirname "$binary")/nvrtc/libnvrtc.so.1[23]" > /dev/null; then
    FLOWKIT_NVRTC_DIR="$(dirname "$binary")/nvrtc"
    export FLOWKIT_NVRTC_DIR
fi
if [[ -z "${FLOWKIT_NVRTC_DIR:-}" ]] && command -v python3 > /dev/null; then
    cat > "$work/tools/find-nvrtc.py" << 'PY'
import glob, os, site
folders = site.getsitepackages() + [site.getusersitepackages()]
for pattern in ("nvidia/cu13/lib/libnvrtc.so.13", "nvidia/cuda_nvrtc/lib/libnvrtc.so.12"):
    for folder in folders:
        for match in sorted(glob.glob(os.path.join(folder, pattern))):
            print(os.path.dirname(match))
            raise SystemExit
PY
    wheel_nvrtc="$(python3 "$work/tools/find-nvrtc.py" 2> /dev/null)"
    [[ -n "$wheel_nvrtc" ]] && export FLOWKIT_NVRTC_DIR="$wheel_nvrtc"
fi
echo "FLOWKIT_NVRTC_DIR=${FLOWKIT_NVRTC_DIR:-(unset: the search built into flowkit)}" | tee "$work/nvrtc.txt"
[[ -n "${FLOWKIT_NVRTC_DIR:-}" ]] && ls "$FLOWKIT_NVRTC_DIR" >> "$work/nvrtc.txt" 2>&1
# compute-sanitizer, when the host has one: a failed CUDA check section is rerun under memcheck.
sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer 2> /dev/null | head -n 1)"
echo "compute-sanitizer: ${sanitizer:-not found}" | tee -a "$work/nvrtc.txt"
export FLOWKIT_CACHE_DIR="${FLOWKIT_CACHE_DIR:-$work/kernel-cache}"  # compiled once per device, then loaded

section "flowkit devices"
# stderr too: why there is no OpenCL or no CUDA device (library not found, cuInit failed).
timeout 60 "$fk" devices > "$work/devices.txt" 2>&1
cat "$work/devices.txt"
if ! step devices.json 60 "$fk" devices --json; then
    say "FAIL  flowkit devices --json (see devices.json.stderr)"
    exit 1
fi

# One line per device: selector, kind, name, vendor, hardware (tab-separated), from the JSON.
list_devices() {
    if command -v python3 > /dev/null; then
        python3 -c 'import json,sys
for d in json.load(open(sys.argv[1])): print("\t".join([d["name"], d["kind"], d["device"], d["vendor"], d.get("hardware", "")]))' "$work/devices.json"
    elif command -v jq > /dev/null; then
        jq -r '.[] | [.name, .kind, .device, .vendor, (.hardware // "")] | @tsv' "$work/devices.json"
    else
        sed 's/},{/}\n{/g' "$work/devices.json" \
            | sed -E 's/.*"device":"([^"]*)".*"hardware":"([^"]*)".*"kind":"([^"]*)".*"name":"([^"]*)".*"vendor":"([^"]*)".*/\4\t\3\t\1\t\5\t\2/'
    fi
}

is_cpu_device() {  # kind name vendor hardware
    [[ "$1" == "cpu" ]] && return 0
    [[ "$4" == "gpu" || "$4" == "accelerator" ]] && return 1
    [[ "$4" == "cpu" ]] && return 0
    [[ "$2" =~ ^(pthread|cpu|basic)- || "$2" == "basic" ]] && return 0
    [[ "$3" == "GenuineIntel" || "$3" == "AuthenticAMD" ]] && return 0
    return 1
}

# CUDA devices first (the backend never run on a GPU before), then OpenCL, then the rest.
cuda_devices=(); opencl_devices=(); other_devices=()
while IFS=$'\t' read -r selector kind name vendor hardware; do
    [[ -n "$selector" ]] || continue
    if [[ -n "$only_devices" ]]; then
        [[ ",$only_devices," == *",$selector,"* ]] || continue
    elif is_cpu_device "$kind" "$name" "$vendor" "$hardware"; then
        if [[ $include_cpu -eq 0 ]]; then echo "skipping $selector ($name): a CPU device"; continue; fi
    fi
    case "$kind" in
        cuda) cuda_devices+=("$selector") ;;
        opencl) opencl_devices+=("$selector") ;;
        *) other_devices+=("$selector") ;;
    esac
done < <(list_devices)
devices=(${cuda_devices[@]+"${cuda_devices[@]}"} ${opencl_devices[@]+"${opencl_devices[@]}"} ${other_devices[@]+"${other_devices[@]}"})

if [[ ${#devices[@]} -eq 0 ]]; then
    echo
    say "no GPU device found: flowkit lists only CPU devices (see devices.txt, libraries.txt, icd.txt, nvrtc.txt)."
    say "Nothing was checked or benchmarked; --include-cpu-devices runs the flow on the CPU devices."
    exit 0
fi
say "devices under test, in this order: ${devices[*]}"

# Prints a check section's counts and its rows that did not pass.
cat > "$work/tools/summarize-check.py" << 'PY'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
print("      %d passed, %d failed, %d skipped in %.0f s" % (s["passed"], s["failed"], s["skipped"], s["seconds"]))
for device in report["devices"]:
    for row in device["rows"]:
        if row["status"] == "fail" or (row["status"] == "skipped" and "nvrtc" in row["op"].lower()):
            detail = (row.get("detail") or "").strip().splitlines()
            print(("      %s: %s %s: %s" % (row["status"], row["op"], row["shapes"], " / ".join(detail[:2])))[:300])
PY
summarize_check() {
    command -v python3 > /dev/null && [[ -s "$1" ]] || return 0
    python3 "$work/tools/summarize-check.py" "$1" 2>&1 | tee -a "$summary"
}

# A small data file for the log-density comparison: moons-like points (CSV) or 8x8 images with
# 17 levels (NPY uint8), from a fixed generator, with the standard library only.
cat > "$work/tools/make-data.py" << 'PY'
import math, random, struct, sys
kind, path = sys.argv[1], sys.argv[2]
rng = random.Random(29)
if kind == "csv":
    with open(path, "w") as f:
        f.write("x,y\n")
        for i in range(512):
            t = rng.uniform(0, math.pi)
            x, y = (math.cos(t), math.sin(t)) if i % 2 else (1 - math.cos(t), 0.5 - math.sin(t))
            f.write("%r,%r\n" % (x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)))
else:
    count = 256
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 1, 8, 8), }" % count
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(bytes(rng.randrange(17) for _ in range(count * 64)))
PY

# The largest |a - b| / max(1, |b|) between two logprob CSVs; exit 1 above the bound.
cat > "$work/tools/compare-logprob.py" << 'PY'
import math, sys
a = [float(l) for l in open(sys.argv[1]).read().split()[1:]]
b = [float(l) for l in open(sys.argv[2]).read().split()[1:]]
bound = float(sys.argv[3])
assert len(a) == len(b) and a, "%d against %d values" % (len(a), len(b))
worst = max(abs(x - y) / max(1.0, abs(y)) if math.isfinite(x) and math.isfinite(y) else math.inf for x, y in zip(a, b))
print("%d log-densities, largest relative difference from the CPU's %.3e (bound %.0e)" % (len(a), worst, bound))
sys.exit(0 if worst <= bound else 1)
PY

# A short training on the device, then the log-densities of the same inputs on it and on the CPU.
train_and_compare() {  # device tag name config-json data-kind
    local device="$1" tag="$2" name="$3" config="$4" kind="$5"
    local run="$work/runs/$name-$tag" data="$work/runs/$name.${kind}"
    mkdir -p "$work/runs"
    echo "$config" > "$work/runs/$name.json"
    [[ -f "$data" ]] || python3 "$work/tools/make-data.py" "$kind" "$data" || return 0
    local steps=300; [[ $quick -eq 1 ]] && steps=40
    step "train-$name-$tag.log" 120 "$fk" train "$work/runs/$name.json" --run-dir "$run" --device "$device" --steps "$steps" || return 0
    tail -n 2 "$work/train-$name-$tag.log" | sed 's/^/      /' | cut -c1-200
    step "logprob-$name-$tag.txt" 60 "$fk" logprob --run-dir "$run" --data "$data" --out "$run/logprob-device.csv" --device "$device" || return 0
    step "logprob-$name-$tag-cpu.txt" 60 "$fk" logprob --run-dir "$run" --data "$data" --out "$run/logprob-cpu.csv" --device cpu || return 0
    step "logprob-compare-$name-$tag.txt" 30 python3 "$work/tools/compare-logprob.py" "$run/logprob-device.csv" "$run/logprob-cpu.csv" 1e-3
    cat "$work/logprob-compare-$name-$tag.txt" | sed 's/^/      /' | tee -a "$summary"
}

sections=(kernels ops rng determinism training)
if [[ $quick -eq 1 ]]; then kernel_bench=(--repeats 1); workload_bench=(--steps 2); else kernel_bench=(--repeats 5); workload_bench=(); fi
for device in "${devices[@]}"; do
    tag="${device//:/-}"
    section "flowkit check --device $device (one process per section)"
    for part in "${sections[@]}"; do
        if ! step "check-$tag-$part.json" 150 "$fk" check --device "$device" --only "$part" --json \
            && [[ "$device" == cuda* && -n "$sanitizer" ]] && (( $(remaining) > 60 )); then
            # An illegal address or a bad launch: where, per compute-sanitizer's memcheck.
            step "sanitizer-$tag-$part.txt" 150 env LD_LIBRARY_PATH="${bundle_lib:+$bundle_lib:}${extra_ld}${LD_LIBRARY_PATH:-}" \
                "$sanitizer" --tool memcheck --print-limit 20 "$elf" check --device "$device" --only "$part" --json
        fi
        summarize_check "$work/check-$tag-$part.json"
    done
    section "flowkit bench --device $device"
    step "bench-kernels-$tag.jsonl" 120 "$fk" bench --device "$device" --json "${kernel_bench[@]}"
    for workload in W1 W2 W3 W4 W5; do
        step "bench-$workload-$tag.json" 90 "$fk" bench --workload "$workload" --device "$device" ${workload_bench[@]+"${workload_bench[@]}"}
    done
    # The trainings on the first device only (a CUDA one where there is one): they cost a minute.
    if [[ "$device" != "${devices[0]}" ]]; then
        :
    elif [[ "$device" == cpu* ]]; then
        say "skip  training on $device: its log-densities would be compared with its own"
    elif command -v python3 > /dev/null; then
        section "training on $device, log-densities against the CPU's"
        train_and_compare "$device" "$tag" glow-digits \
            '{"data": {"kind": "digits"}, "model": {"kind": "glow", "levels": 2, "steps": 4, "hidden": 64}, "train": {"batchSize": 64, "seed": 0, "logEvery": 20, "evalEvery": 100000, "checkpointEvery": 100000}}' npy
        train_and_compare "$device" "$tag" nsf-moons \
            '{"data": {"kind": "toy", "name": "moons", "evaluationSize": 2000}, "model": {"kind": "nsf"}, "train": {"batchSize": 256, "seed": 0, "logEvery": 20, "evalEvery": 100000, "checkpointEvery": 100000}}' csv
    fi
    pack
done

section "PyTorch on CUDA (bench/peers.py)"
peers=""
for candidate in "$here/bench/peers.py" "$here/../bench/peers.py"; do
    [[ -f "$candidate" ]] && { peers="$candidate"; break; }
done
# Python packages the bundle carries (safetensors, nflows) for a host without them.
[[ -d "$here/python" ]] && export PYTHONPATH="$here/python${PYTHONPATH:+:$PYTHONPATH}"
if [[ $peers_wanted -eq 0 ]]; then
    say "skip  peers: --no-peers"
elif ! command -v python3 > /dev/null; then
    say "skip  peers: no python3"
elif ! timeout 120 python3 -c 'import torch; assert torch.cuda.is_available()' > /dev/null 2>&1; then
    say "skip  peers: PyTorch with CUDA is not importable here"
elif ! python3 -c 'import safetensors' > /dev/null 2>&1; then
    say "skip  peers: safetensors is not importable (peers.py's cross-check loads flowkit's weights with it)"
elif [[ -z "$peers" ]]; then
    say "skip  peers: bench/peers.py not found next to this script"
else
    timeout 60 python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1 | tee -a "$summary"
    peer_workloads=(W1 W2 W3 W4 W5)
    if ! python3 -c 'import nflows.transforms.coupling' > /dev/null 2>&1; then
        peer_workloads=(W1 W2 W3 W4)
        say "      nflows is not importable: W5 left out"
    fi
    # One workload per process and step: a failure or a timeout costs that workload only.
    for workload in "${peer_workloads[@]}"; do
        step "peers-$workload-${devices[0]//:/-}.md" 150 python3 "$peers" --no-venv --flowkit "$fk" --device "${devices[0]}" \
            --torch-device cuda --workloads "$workload" --rounds 1
    done
fi

echo
if [[ $failures -eq 0 ]]; then
    say "gpu-check: all steps passed"
else
    say "gpu-check: $failures step(s) failed, timed out or were skipped"
    exit 1
fi
