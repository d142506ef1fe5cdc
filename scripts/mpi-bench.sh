#!/usr/bin/env bash
# Data-parallel training throughput (issue 27 §3), a benchmark, not a test: samples/s of W1's
# model (RealNVP, 8 couplings of MLP 1 → 128 → 128 → 2, 136,208 parameters, batch 512 on the
# banana) trained in exact mode with K micro-batches on N = 1 and N = 2 ranks of one thread each,
# run after run alternating N (1, 2, then 2, 1, …), with each pair's ratio and the median ratio,
# and the bytes each rank sends per step (rank 0's start line, GradientExchange.bytesSentPerRank).
# For scale, each repeat also runs one plain process on the undivided batch (K = 1, no mpirun),
# the step a run without micro-batches takes; its bits differ from the K-micro-batch runs'.
# samples/s is the last metrics.jsonl line's stepsPerSecond × batch size: training steps only,
# without process and MPI start-up. Nothing passes or fails.
#
#   bash scripts/mpi-bench.sh [--steps S] [--repeats R] [--micro-batches K]   (default 300, 3, 4)
#
# Needs the release build (.build/release/flowkit), Open MPI's mpirun and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=300
repeats=3
micro=4
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) steps=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --micro-batches) micro=$2; shift 2 ;;
        *) echo "mpi-bench: unknown argument $1 (expected --steps, --repeats, --micro-batches)" >&2; exit 2 ;;
    esac
done
flowkit=${FLOWKIT_BIN:-$PWD/.build/release/flowkit}
[ -x "$flowkit" ] || { echo "mpi-bench: $flowkit not found; run swift build -c release first" >&2; exit 1; }
command -v mpirun > /dev/null || { echo "mpi-bench: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mpi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

batch=512
# Evaluation and checkpoints only at the end (they are not what is measured).
cat > "$work/w1.json" <<EOF
{"data": {"kind": "toy", "name": "banana", "evaluationSize": 500},
 "model": {"kind": "realnvp", "layers": 8, "hidden": 128},
 "train": {"steps": $steps, "batchSize": $batch, "microBatches": $micro, "checkpointEvery": $steps, "evalEvery": $steps, "logEvery": $steps, "seed": 1}}
EOF
sed "s/\"microBatches\": $micro/\"microBatches\": 1/" "$work/w1.json" > "$work/w1-plain.json"

# One run (N ranks, or "plain"): prints "samples/s bytes" (bytes 0 on one rank, which sends nothing).
run() {
    local ranks=$1 dir="$work/run-$RANDOM$RANDOM"
    local out
    if [ "$ranks" = plain ]; then
        out=$("$flowkit" train "$work/w1-plain.json" --run-dir "$dir" --threads 1)
    else
        # --allow-run-as-root for containers; as a user it changes nothing.
        out=$(mpirun --allow-run-as-root -np "$ranks" "$flowkit" train "$work/w1.json" --run-dir "$dir" --threads 1)
    fi
    python3 - "$dir/metrics.jsonl" "$batch" "$out" <<'PY'
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rate = [l for l in lines if l.get("event") == "train"][-1]["stepsPerSecond"]
sent = re.search(r"(\d+) bytes sent per rank per step", sys.argv[3])
print(f"{rate * int(sys.argv[2]):.1f} {sent.group(1) if sent else 0}")
PY
    rm -rf "$dir"
}

echo "W1 RealNVP, batch $batch, K = $micro micro-batches, $steps steps, 1 thread per rank, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
echo "command: mpirun --allow-run-as-root -np N flowkit train w1.json --run-dir DIR --threads 1"
echo "plain: flowkit train w1-plain.json --run-dir DIR --threads 1 (K = 1, one process)"
one=()
two=()
plain=()
ratios=()
plainRatios=()
bytes=0
for r in $(seq 1 "$repeats"); do
    order="1 2 plain"
    [ $((r % 2)) -eq 0 ] && order="plain 2 1"
    for n in $order; do
        read -r rate sent < <(run "$n")
        echo "repeat $r  N=$n  $rate samples/s"
        case "$n" in
            1) one+=("$rate") ;;
            2) two+=("$rate"); bytes=$sent ;;
            plain) plain+=("$rate") ;;
        esac
    done
    ratios+=("$(python3 -c "print(f'{${two[-1]} / ${one[-1]}:.3f}')")")
    plainRatios+=("$(python3 -c "print(f'{${two[-1]} / ${plain[-1]}:.3f}')")")
    echo "repeat $r  ratio N=2/N=1  ${ratios[-1]}   N=2/plain  ${plainRatios[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { echo "min $(printf '%s\n' "$@" | sort -g | head -1), max $(printf '%s\n' "$@" | sort -g | tail -1)"; }
echo "median  N=1 $(median "${one[@]}")  N=2 $(median "${two[@]}")  plain $(median "${plain[@]}") samples/s"
echo "median ratio N=2/N=1 $(median "${ratios[@]}") ($(range "${ratios[@]}"))   N=2/plain $(median "${plainRatios[@]}") ($(range "${plainRatios[@]}"))"
echo "exchange at N=2: $bytes bytes sent per rank per step ($(python3 -c "print(f'{$bytes / 1e6:.2f}')") MB)"
