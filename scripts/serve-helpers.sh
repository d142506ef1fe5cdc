# Sourced by scripts/api-fuzz.sh and scripts/service-load.sh: a throwaway `flowkit serve` on a
# free loopback port. Sets $work (a temporary folder, removed on exit), $server (the pid) and
# $base (http://127.0.0.1:PORT), and stops the server when the sourcing script exits.
#
#   start_server NAME FLOWKIT [serve options...]     (NAME prefixes the error messages)

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

start_server() {
    local name=$1 flowkit=$2
    shift 2
    "$flowkit" serve --port 0 --state-dir "$work/state" "$@" > "$work/server.out" 2> "$work/server.err" &
    server=$!
    local port=""
    for _ in $(seq 100); do
        port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/server.out")
        [ -n "$port" ] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$work/server.err" >&2; echo "$name: the server did not start" >&2; exit 1; }
    base="http://127.0.0.1:$port"
}
