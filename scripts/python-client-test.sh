#!/usr/bin/env bash
# The Python client (clients/python) as a user installs it, against a live `flowkit serve`:
#
#   scripts/python-client-test.sh
#
# Installs the package with pip into two project-local venvs, one with NumPy (plus mypy, which
# checks the package's types strictly) and one without, and runs tests/test_client.py from each
# against a fresh server on a loopback port with a token. PyPI must be reachable once.
set -euo pipefail
cd "$(dirname "$0")/.."

flowkit=.build/release/flowkit
[ -x "$flowkit" ] || { echo "python-client-test: $flowkit not found; run swift build -c release first" >&2; exit 1; }

install_venv() {  # install_venv DIR SPEC [more packages]
    local dir=$1
    shift
    [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
    # --force-reinstall of the package only: the checkout's client, not a cached older build.
    "$dir/bin/pip" install -q --disable-pip-version-check "$@"
    "$dir/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./clients/python
}
install_venv .venv-client "./clients/python[numpy]" "mypy==1.13.0"
install_venv .venv-client-bare ./clients/python
(cd clients/python && ../../.venv-client/bin/mypy)
if .venv-client-bare/bin/python -c "import numpy" 2>/dev/null; then
    echo "python-client-test: .venv-client-bare has NumPy; it must not" >&2
    exit 1
fi

source scripts/serve-helpers.sh
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" > "$work/token"
start_server python-client-test "$flowkit" --token-file "$work/token"
export FLOWKIT_SERVER="$base" FLOWKIT_TOKEN="$token"
# From outside the source tree, so that the installed package is the one imported.
(cd "$work" && "$OLDPWD/.venv-client/bin/python" "$OLDPWD/clients/python/tests/test_client.py")
(cd "$work" && "$OLDPWD/.venv-client-bare/bin/python" "$OLDPWD/clients/python/tests/test_client.py")
