#!/bin/sh
# The images' entry point (run under tini, which forwards signals and reaps orphans).
#
#   (no arguments) | serve [OPTIONS] | --option …
#       flowkit serve --host 0.0.0.0 --port "$FLOWKIT_PORT" [--token-file "$FLOWKIT_TOKEN_FILE"] [OPTIONS]
#       State in $FLOWKIT_STATE_DIR (/var/lib/flowkit, the volume). Off loopback the server needs a
#       token: FLOWKIT_TOKEN, or a mounted file named by FLOWKIT_TOKEN_FILE (or --token-file).
#   train|eval|sample|logprob|devices|bench|jobs …   the same flowkit subcommand
#   anything else (flowkit train …, bash, …)        run as given
set -e

serve() {
    set -- flowkit serve --host 0.0.0.0 --port "${FLOWKIT_PORT:-8080}" "$@"
    if [ -n "${FLOWKIT_TOKEN_FILE:-}" ]; then
        set -- "$@" --token-file "$FLOWKIT_TOKEN_FILE"
    fi
    exec "$@"
}

case "${1:-serve}" in
    serve)
        [ "$#" -gt 0 ] && shift
        serve "$@" ;;
    -*)
        serve "$@" ;;
    train|eval|sample|logprob|devices|bench|jobs)
        exec flowkit "$@" ;;
    *)
        exec "$@" ;;
esac
