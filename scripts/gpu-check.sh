#!/usr/bin/env bash
# The GPU run (issue 13): everything a GPU host without a Swift toolchain or internet needs to
# say whether flowkit works there and how fast, from one statically linked binary.
#
#   scripts/gpu-check.sh [--include-cpu-devices] [--devices D1,D2] [--quick] [BINARY]
#
# BINARY defaults to .build/release/flowkit (or ./flowkit next to this script in a bundle).
# Everything is written to $OUT (default ./gpu-check-out): the host's driver libraries and ICD
# files, `flowkit devices --json`, and per GPU device (CUDA devices and GPU OpenCL devices alike:
# an NVIDIA GPU is checked through both backends) `flowkit check --json`, `flowkit bench`
# (kernels, JSON lines) and the workloads W1–W4; then, when PyTorch with CUDA is importable,
# bench/peers.py's W1–W4 with PyTorch on CUDA for the side-by-side ratio. summary.txt says
# what passed. Exit status: 0 when every check passed, or when there is no GPU device at all
# ("no GPU device found" is reported, not an error); 1 when a check or bench failed.
#
#   --include-cpu-devices  also treat the CPU and CPU OpenCL devices (PoCL) as devices under
#                          test: runs the whole flow on a machine without a GPU
#   --devices D1,D2        exactly these devices (selectors as `flowkit devices` prints them)
#   --quick                short benches (1 repeat, 2 timed steps): to try the script itself
#
# A GPU device is any device whose driver reports it as a GPU or accelerator (`hardware` in
# `flowkit devices --json`); without that field, any device that is not the CPU backend and not
# a CPU OpenCL device (PoCL names those pthread-…, cpu-… or basic; CPU vendors report
# GenuineIntel or AuthenticAMD).
#
# Building the carry bundle (on a machine with the Swift toolchain, same CPU architecture):
#   swift build -c release --static-swift-stdlib          # .build/release/flowkit, ~85 MB with symbols
#   mkdir -p gpu-bundle/bench && strip -o gpu-bundle/flowkit .build/release/flowkit   # 22 MB stripped (measured with the shared stdlib; the static one adds a few MB)
#   cp scripts/gpu-check.sh gpu-bundle/
#   cp bench/peers.py bench/WORKLOADS.md gpu-bundle/bench/
#   # optional, for the NVRTC rows of `flowkit check` (looked for next to the binary, in nvrtc/); libnvrtc.so.12
#   # alone is 106 MB, over the device carry limit (64 MiB), so rely on the host's CUDA install there:
#   mkdir -p gpu-bundle/nvrtc && cp .cuda/nvrtc/nvidia/cuda_nvrtc/lib/libnvrtc.so.12* gpu-bundle/nvrtc/
#   # the binary still links the host's glibc, libOpenCL.so.1 (ICD loader), libopenblas.so.0 and
#   # libz.so.1 dynamically; copy any the host lacks into gpu-bundle/lib/ (added to LD_LIBRARY_PATH):
#   mkdir -p gpu-bundle/lib && cp /usr/lib/x86_64-linux-gnu/libopenblas.so.0 gpu-bundle/lib/  # if needed
#   tar czf gpu-bundle.tgz gpu-bundle                       # ~10 MB compressed (the device carry limit is 64 MiB)
# On the GPU host: tar xzf gpu-bundle.tgz && cd gpu-bundle && ./gpu-check.sh ./flowkit
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
include_cpu=0
quick=0
only_devices=""
binary=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --include-cpu-devices) include_cpu=1 ;;
        --quick) quick=1 ;;
        --devices) only_devices="${2:?--devices needs a comma-separated list}"; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu-check.sh: unknown option $1" >&2; exit 2 ;;
        *) binary="$1" ;;
    esac
    shift
done
if [[ -z "$binary" ]]; then
    for candidate in "$here/flowkit" "$here/../.build/release/flowkit" ./.build/release/flowkit; do
        if [[ -x "$candidate" ]]; then binary="$candidate"; break; fi
    done
fi
if [[ -z "$binary" || ! -x "$binary" ]]; then
    echo "gpu-check.sh: no flowkit binary (give its path; build it with swift build -c release --static-swift-stdlib)" >&2
    exit 2
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
out="${OUT:-./gpu-check-out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
summary="$out/summary.txt"
: > "$summary"
# Libraries carried next to the binary (lib/) are found before the host's.
if [[ -d "$(dirname "$binary")/lib" ]]; then
    export LD_LIBRARY_PATH="$(dirname "$binary")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
failures=0

say() { echo "$*" | tee -a "$summary"; }
section() { echo; echo "=== $*"; }

# Runs a step with its output in $out/<name>; a failure is counted and reported, never fatal.
step() {
    local name="$1"; shift
    local started=$SECONDS rc=0
    "$@" > "$out/$name" 2> "$out/$name.stderr" || rc=$?
    if [[ $rc -eq 0 ]]; then
        say "ok    $name ($((SECONDS - started)) s)"
    else
        say "FAIL  $name: exit $rc after $((SECONDS - started)) s (see $out/$name and $name.stderr)"
        failures=$((failures + 1))
    fi
    return 0
}

section "host"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -a)"
    echo "binary: $binary ($(du -h "$binary" | cut -f1))"
    echo "OUT: $out"
} | tee "$out/host.txt"
if command -v ldd > /dev/null; then
    ldd "$binary" > "$out/ldd.txt" 2>&1 || true
    if grep -q "not found" "$out/ldd.txt"; then
        say "WARNING: libraries the binary needs are missing (copy them into $(dirname "$binary")/lib):"
        grep "not found" "$out/ldd.txt" | tee -a "$summary"
    fi
fi

section "NVIDIA driver"
if command -v nvidia-smi > /dev/null; then
    nvidia-smi 2>&1 | tee "$out/nvidia-smi.txt" || true
else
    echo "nvidia-smi not found" | tee "$out/nvidia-smi.txt"
fi

section "OpenCL ICD files"
{
    echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}"
    found_icd=0
    for icd in /etc/OpenCL/vendors/*.icd ${OCL_ICD_VENDORS:+"$OCL_ICD_VENDORS"/*.icd}; do
        [[ -e "$icd" ]] || continue
        found_icd=1
        echo "$icd: $(cat "$icd")"
    done
    [[ $found_icd -eq 1 ]] || echo "no ICD files in /etc/OpenCL/vendors"
} 2>&1 | tee "$out/icd.txt"

section "OpenCL / CUDA / NVRTC libraries"
{
    echo "# ldconfig -p"
    if command -v ldconfig > /dev/null; then
        ldconfig -p 2>/dev/null | grep -E 'libOpenCL|libcuda\.|libnvrtc|libnvidia-opencl|libamdocl|libpocl' || echo "(none in the linker cache)"
    elif [[ -x /sbin/ldconfig ]]; then
        /sbin/ldconfig -p 2>/dev/null | grep -E 'libOpenCL|libcuda\.|libnvrtc|libnvidia-opencl|libamdocl|libpocl' || echo "(none in the linker cache)"
    fi
    echo "# common locations"
    for directory in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib /usr/local/cuda/lib64 \
        /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/wsl/lib /opt/rocm/lib "$(dirname "$binary")" \
        "$(dirname "$binary")/nvrtc" "$(dirname "$binary")/lib"; do
        [[ -d "$directory" ]] || continue
        find "$directory" -maxdepth 1 \( -name 'libOpenCL.so*' -o -name 'libcuda.so*' -o -name 'libnvrtc.so*' \
            -o -name 'libnvidia-opencl.so*' \) 2>/dev/null
    done | sort -u
} 2>&1 | tee "$out/libraries.txt"
# flowkit's NVRTC loader also looks in $FLOWKIT_NVRTC_DIR; point it at a carried copy.
if [[ -z "${FLOWKIT_NVRTC_DIR:-}" && -e "$(dirname "$binary")/nvrtc/libnvrtc.so.12" ]]; then
    export FLOWKIT_NVRTC_DIR="$(dirname "$binary")/nvrtc"
fi
# The CUDA backend compiles its kernels with NVRTC at run time, so a cuda:N device opens only
# where NVRTC is found. Without a carried copy or a CUDA toolkit, PyTorch's pip install brings
# one (the nvidia-cuda-nvrtc-cu12 wheel): use it when importable.
if [[ -z "${FLOWKIT_NVRTC_DIR:-}" ]] && command -v python3 > /dev/null; then
    wheel_nvrtc="$(python3 -c 'import os, nvidia.cuda_nvrtc as n; print(os.path.join(list(n.__path__)[0], "lib"))' 2>/dev/null || true)"
    if [[ -n "$wheel_nvrtc" && -e "$wheel_nvrtc/libnvrtc.so.12" ]]; then export FLOWKIT_NVRTC_DIR="$wheel_nvrtc"; fi
fi
echo "FLOWKIT_NVRTC_DIR=${FLOWKIT_NVRTC_DIR:-(unset: the dynamic linker search path, then /usr/local/cuda)}" | tee -a "$out/libraries.txt"

section "flowkit devices"
# stderr too: the notes on why there is no OpenCL or no CUDA device (driver library not found,
# cuInit failed) belong in the record.
"$binary" devices 2>&1 | tee "$out/devices.txt" || true
if ! "$binary" devices --json > "$out/devices.json" 2> "$out/devices.stderr"; then
    say "FAIL  flowkit devices --json (see $out/devices.stderr)"
    exit 1
fi

# One line per device: selector, kind, name, vendor, hardware (tab-separated), from the JSON.
# `hardware` is the driver's device type (cpu, gpu, accelerator, other); a binary from before
# that field leaves it empty, and the name/vendor heuristics below decide.
list_devices() {
    if command -v python3 > /dev/null; then
        python3 -c 'import json,sys
for d in json.load(open(sys.argv[1])): print("\t".join([d["name"], d["kind"], d["device"], d["vendor"], d.get("hardware", "")]))' "$out/devices.json"
    elif command -v jq > /dev/null; then
        jq -r '.[] | [.name, .kind, .device, .vendor, (.hardware // "")] | @tsv' "$out/devices.json"
    else
        # Each device is one {...} object with string fields in sorted-key order.
        sed 's/},{/}\n{/g' "$out/devices.json" \
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

devices=()
while IFS=$'\t' read -r selector kind name vendor hardware; do
    [[ -n "$selector" ]] || continue
    if [[ -n "$only_devices" ]]; then
        [[ ",$only_devices," == *",$selector,"* ]] && devices+=("$selector")
    elif is_cpu_device "$kind" "$name" "$vendor" "$hardware"; then
        if [[ $include_cpu -eq 1 ]]; then devices+=("$selector"); else echo "skipping $selector ($name): a CPU device"; fi
    else
        devices+=("$selector")
    fi
done < <(list_devices)

if [[ ${#devices[@]} -eq 0 ]]; then
    echo
    say "no GPU device found: flowkit lists only CPU devices (see $out/devices.txt, icd.txt, libraries.txt)."
    say "Nothing was checked or benchmarked; --include-cpu-devices runs the flow on the CPU devices."
    exit 0
fi
say "devices under test: ${devices[*]}"

if [[ $quick -eq 1 ]]; then kernel_bench=(--repeats 1); workload_bench=(--steps 2); else kernel_bench=(); workload_bench=(); fi
for device in "${devices[@]}"; do
    tag="${device//:/-}"
    section "flowkit check --device $device"
    step "check-$tag.json" "$binary" check --device "$device" --json
    if command -v python3 > /dev/null && [[ -s "$out/check-$tag.json" ]]; then
        python3 - "$out/check-$tag.json" << 'PY' | tee -a "$summary" || true
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
print("  %d passed, %d failed, %d skipped in %.0f s" % (s["passed"], s["failed"], s["skipped"], s["seconds"]))
for device in report["devices"]:
    for row in device["rows"]:
        if row["status"] != "pass":
            print(("  %s: %s %s: %s" % (row["status"], row["op"], row["shapes"], row.get("detail") or ""))[:300])
PY
    fi
    section "flowkit bench --device $device"
    step "bench-kernels-$tag.jsonl" "$binary" bench --device "$device" --json ${kernel_bench[@]+"${kernel_bench[@]}"}
    for workload in W1 W2 W3 W4; do
        step "bench-$workload-$tag.json" "$binary" bench --workload "$workload" --device "$device" ${workload_bench[@]+"${workload_bench[@]}"}
    done
done

section "PyTorch on CUDA (bench/peers.py)"
peers=""
for candidate in "$here/bench/peers.py" "$here/../bench/peers.py"; do
    if [[ -f "$candidate" ]]; then peers="$candidate"; break; fi
done
if ! command -v python3 > /dev/null; then
    say "skip  peers: no python3"
elif ! python3 -c 'import torch; assert torch.cuda.is_available()' > /dev/null 2>&1; then
    say "skip  peers: PyTorch with CUDA is not importable here"
elif ! python3 -c 'import safetensors' > /dev/null 2>&1; then
    say "skip  peers: safetensors is not importable (peers.py's cross-check loads flowkit's weights with it)"
elif [[ -z "$peers" ]]; then
    say "skip  peers: bench/peers.py not found next to this script"
else
    python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))' | tee -a "$summary"
    step "peers-${devices[0]//:/-}.md" python3 "$peers" --no-venv --flowkit "$binary" --device "${devices[0]}" \
        --torch-device cuda --workloads W1,W2,W3,W4 --rounds "$([[ $quick -eq 1 ]] && echo 1 || echo 2)"
fi

echo
if [[ $failures -eq 0 ]]; then
    say "gpu-check: all steps passed; results in $out"
else
    say "gpu-check: $failures step(s) failed; results in $out"
    exit 1
fi
