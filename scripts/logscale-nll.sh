#!/usr/bin/env bash
# The measurement behind `model.logScale`'s default: test NLL (nats per example, lower is better)
# of MAF and IAF with the bounded log-scale (`tanh`, c = model.logScaleBound = 3) and without it
# (`unbounded`), on the banana and rings toy densities and on corr6 (a 6-D Gaussian with
# correlations up to 0.9, written here as CSV files), over several seeds, alternating the two
# settings run by run. It also counts the far points (10, 100 and 10^6 data radii) each trained
# model scores as NaN, -inf or finite. Prints a table; nothing passes or fails.
#
#   bash scripts/logscale-nll.sh [steps] [seeds]      (default 2000 steps, 3 seeds)
#
# Needs the release build (.build/release/flowkit) and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

steps=${1:-2000}
seeds=${2:-3}
flowkit=${FLOWKIT_BIN:-$PWD/.build/release/flowkit}
[ -x "$flowkit" ] || { echo "logscale-nll: $flowkit not found; run swift build -c release first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/logscale-nll.XXXXXX")
trap 'rm -rf "$work"' EXIT

# corr6: x = L z with L the Cholesky factor of a fixed covariance (unit variances, correlation
# 0.9^|i-j|), and a fixed seed, so every run of this script sees the same files.
python3 - "$work" <<'PY'
import math, random, sys
folder = sys.argv[1]
d = 6
cov = [[0.9 ** abs(i - j) for j in range(d)] for i in range(d)]
L = [[0.0] * d for _ in range(d)]
for i in range(d):
    for j in range(i + 1):
        s = cov[i][j] - sum(L[i][k] * L[j][k] for k in range(j))
        L[i][j] = math.sqrt(s) if i == j else s / L[j][j]
rng = random.Random(6)
for name, rows in (("train", 20000), ("validation", 5000), ("test", 5000)):
    with open(f"{folder}/corr6-{name}.csv", "w") as out:
        for _ in range(rows):
            z = [rng.gauss(0.0, 1.0) for _ in range(d)]
            out.write(",".join(f"{sum(L[i][k] * z[k] for k in range(i + 1)):.6f}" for i in range(d)) + "\n")
# Far points for the 2-D sets and for corr6: radii 10, 100, 1e6 in a few directions.
for dim, name in ((2, "far2"), (6, "far6")):
    with open(f"{folder}/{name}.csv", "w") as out:
        for radius in (10.0, 100.0, 1e6):
            for direction in range(8):
                angle = 2 * math.pi * direction / 8
                point = [radius * math.cos(angle), radius * math.sin(angle)] + [radius * 0.5] * (dim - 2)
                out.write(",".join(f"{v:g}" for v in point) + "\n")
PY

data_section() {
    case $1 in
        banana|rings) echo "{\"kind\": \"toy\", \"name\": \"$1\"}" ;;
        corr6) echo "{\"kind\": \"csv\", \"train\": \"corr6-train.csv\", \"validation\": \"corr6-validation.csv\", \"test\": \"corr6-test.csv\"}" ;;
    esac
}

printf '%-7s %-4s %-10s %5s %12s %6s %6s %6s\n' data kind logScale seed testNLL far-NaN far-inf far-ok
for data in banana rings corr6; do
    far=$work/far2.csv; [ "$data" = corr6 ] && far=$work/far6.csv
    for kind in maf iaf; do
        for seed in $(seq 1 "$seeds"); do
            for scale in tanh unbounded; do
                run=$work/$data-$kind-$scale-$seed
                cat > "$run.json" <<JSON
{"data": $(data_section "$data"),
 "model": {"kind": "$kind", "layers": 5, "hidden": 64, "logScale": "$scale"},
 "train": {"steps": $steps, "batchSize": 256, "learningRate": 0.001, "schedule": "cosine",
           "seed": $seed, "evalEvery": 500, "checkpointEvery": $steps}}
JSON
                "$flowkit" train "$run.json" --run-dir "$run" > "$run.log" 2>&1 \
                    || { echo "logscale-nll: training failed, see below" >&2; cat "$run.log" >&2; exit 1; }
                nll=$(python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
print(next(("%.4f" % l["testNLL"] for l in reversed(lines) if l.get("event")=="test" and isinstance(l.get("testNLL"), float)), "none"))' "$run/metrics.jsonl")
                "$flowkit" logprob --run-dir "$run" --data "$far" --out "$run-far.csv" > /dev/null 2>&1
                counts=$(awk -F, 'NR > 1 { v = tolower($NF); if (v ~ /nan/) n++; else if (v ~ /inf/) i++; else f++ }
                    END { printf "%d %d %d", n, i, f }' "$run-far.csv")
                read -r nan inf ok <<< "$counts"
                printf '%-7s %-4s %-10s %5s %12s %6s %6s %6s\n' "$data" "$kind" "$scale" "$seed" "$nll" "$nan" "$inf" "$ok"
            done
        done
    done
done
