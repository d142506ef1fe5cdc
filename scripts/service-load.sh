#!/usr/bin/env bash
# Measures the training service on loopback: requests per second of GET /v1/jobs/{id} and of
# POST /v1/jobs/{id}/logprob on a trained W1 model (RealNVP, 8 couplings, hidden 128, on the
# banana), the server's CPU use while idle, and its memory (resident set) before and after load.
#
#   bash scripts/service-load.sh [seconds-per-load] [connections]     (default 10 s, 16)
#
# Needs the release build (.build/release/flowkit) and wrk (Debian's `wrk`). Prints numbers only;
# nothing here passes or fails on a speed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
connections=${2:-16}
flowkit=${FLOWKIT_BIN:-$PWD/.build/release/flowkit}
[ -x "$flowkit" ] || { echo "service-load: $flowkit not found; run swift build -c release first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "service-load: wrk not found (apt-get install wrk)" >&2; exit 1; }

source scripts/serve-helpers.sh
start_server service-load "$flowkit"
export FLOWKIT_SERVER=$base

# The process's CPU seconds (user + system) and resident memory, from /proc.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"; }
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }
idle_cpu() {  # percent of one core over $1 seconds
    local before after
    before=$(cpu_seconds); sleep "$1"; after=$(cpu_seconds)
    awk -v a="$before" -v b="$after" -v s="$1" 'BEGIN { printf "%.2f", 100 * (b - a) / s }'
}

echo "server: $base, pid $server, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "memory at start: $(rss_mib) MiB; idle CPU over 10 s after start: $(idle_cpu 10) % of a core"

cat > "$work/w1.json" <<'EOF'
{"data": {"kind": "toy", "name": "banana"},
 "model": {"kind": "realnvp", "layers": 8, "hidden": 128},
 "train": {"steps": 300, "batchSize": 512, "checkpointEvery": 100, "evalEvery": 100, "logEvery": 50}}
EOF
job=$("$flowkit" jobs submit "$work/w1.json" --name w1-load)
echo "training $job (W1, 300 steps) ..."
for _ in $(seq 600); do
    status=$("$flowkit" jobs show "$job" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    [ "$status" = succeeded ] && break
    case "$status" in failed|cancelled) echo "service-load: the job $status" >&2; exit 1 ;; esac
    sleep 0.5
done
[ "$status" = succeeded ] || { echo "service-load: the job did not finish" >&2; exit 1; }
echo "memory after training (no model loaded): $(rss_mib) MiB; idle CPU over 10 s: $(idle_cpu 10) % of a core"

# One row and 256 rows per logprob request.
python3 - "$work" <<'EOF'
import json, random, sys
random.seed(1)
for rows in (1, 256):
    body = json.dumps({"x": [[random.uniform(-3, 3), random.uniform(-2, 6)] for _ in range(rows)]})
    with open(f"{sys.argv[1]}/logprob{rows}.lua", "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write(f"wrk.body = {json.dumps(body)}\n")
EOF
curl -sf -X POST -H 'Content-Type: application/json' -d '{"x": [[0, 1]]}' "$base/v1/jobs/$job/logprob" > /dev/null

load() {  # name, wrk arguments...
    local name=$1; shift
    local out
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@")
    local rps p50 p99 errors
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec/ { print $2 }')
    p50=$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')
    errors=$(printf '%s\n' "$out" | awk '/Non-2xx|Socket errors/ { print }')
    printf '%-34s %10s req/s   p50 %8s   p99 %8s   %s\n' "$name" "$rps" "$p50" "$p99" "${errors:-no errors}"
}
echo "wrk: 2 threads, $connections connections, ${seconds} s each, on the same machine as the server"
load "GET /v1/jobs/{id}" "$base/v1/jobs/$job"
load "POST logprob, 1 row" -s "$work/logprob1.lua" "$base/v1/jobs/$job/logprob"
load "POST logprob, 256 rows" -s "$work/logprob256.lua" "$base/v1/jobs/$job/logprob"
load "GET /healthz" "$base/healthz"
echo "memory after load (model cached): $(rss_mib) MiB; idle CPU over 10 s after load: $(idle_cpu 10) % of a core"
