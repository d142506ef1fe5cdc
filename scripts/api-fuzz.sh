#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against the server's own /openapi.json.
#
#   scripts/api-fuzz.sh [EXAMPLES]    (default 50 generated cases per operation)
#
# Starts `flowkit serve` (the release build) on a free loopback port with a token and a fresh
# state directory, runs every schemathesis phase (examples, coverage, fuzzing, stateful: jobs
# created through POST /v1/jobs are then paused, resumed, cancelled and queried) with every check,
# and fails on any 5xx, any response that contradicts the document, any request accepted without
# or with a wrong token, or a server that is not alive and answering afterwards.
#
# One check is left out: positive_data_acceptance expects every body the schema allows to be
# accepted, but the API validates more than a schema can say (a CSV's rows, a config's keys and
# ranges, a job's state), so a schema-valid request may rightly get a 400 or 409.
#
# schemathesis is installed into the project-local .venv (pinned; PyPI must be reachable once).
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${1:-50}
flowkit=.build/release/flowkit
version=4.32.5
[ -x "$flowkit" ] || { echo "api-fuzz: $flowkit not found; run swift build -c release first" >&2; exit 1; }

if ! .venv/bin/schemathesis --version 2>/dev/null | grep -q "$version"; then
    python3 -m venv .venv
    .venv/bin/pip install -q "schemathesis==$version"
fi

source scripts/serve-helpers.sh
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" > "$work/token"
start_server api-fuzz "$flowkit" --token-file "$work/token"

status=0
# One worker: with two, schemathesis's hypothesis (6.170) parses lambda sources with ast.parse in
# both threads at once, and CPython 3.11 before 3.11.8 keeps the AST validator's recursion depth
# per interpreter, not per thread, so one crashes inside schemathesis with "SystemError: AST
# constructor recursion depth mismatch" (seen in CI here, 2026-12-08), a failure of the tool and
# not of the server.
.venv/bin/schemathesis --no-color run "$base/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --header "Authorization: Bearer $token" \
    --max-examples "$examples" --workers 1 --request-timeout 30 \
    --seed 1 --generation-database none > "$work/schemathesis.log" 2>&1 || status=$?

# Alive and still answering, with the jobs the run created in the store.
alive=$(curl -sf -H "Authorization: Bearer $token" "$base/v1/jobs?limit=500" || echo "")
kill -0 "$server" 2>/dev/null || { tail -50 "$work/server.err" >&2; echo "api-fuzz: the server died" >&2; exit 1; }
[ -n "$alive" ] || { echo "api-fuzz: the server no longer answers GET /v1/jobs" >&2; exit 1; }

sed -n '/SUMMARY/,$p' "$work/schemathesis.log"
if [ "$status" -ne 0 ]; then
    cat "$work/schemathesis.log" >&2
    echo "api-fuzz: schemathesis found failures (exit $status)" >&2
    exit 1
fi
jobs=$(printf '%s' "$alive" | grep -o '"id":"job-' | wc -l)
echo "api-fuzz: no failures; the server is alive with $jobs job(s) created by the run"
