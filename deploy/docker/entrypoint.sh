#!/bin/sh
# Container entry point: the first argument selects the service; anything else runs as given
# (e.g. `docker run --rm -it IMAGE python`), which keeps the image debuggable.
set -eu
case "${1:-intake}" in
    intake | matcher | notifier)
        service="${1:-intake}"
        [ "$#" -gt 0 ] && shift
        exec python -m "ecocirc_${service}" "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
