#!/usr/bin/env bash
# The README's first command: install the Debian packages, build, and start
# the TAXII 2.1 server on SQLite (./rampart-data) with the demo dataset. It
# prints the URL and a read/write token (the token alone on the last line
# before the access log starts).
#
# Environment: RAMPART_SHARED_DATA (default <repo>/../shared/data),
# RAMPART_BUILD_DIR (default <repo>/build), RAMPART_DATA (default
# <repo>/rampart-data). Extra arguments go to `rampart serve`
# (e.g. --listen 127.0.0.1:9443).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${RAMPART_SHARED_DATA:-$ROOT/../shared/data}
BUILD=${RAMPART_BUILD_DIR:-$ROOT/build}
DATA=${RAMPART_DATA:-$ROOT/rampart-data}

bash "$ROOT/tools/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DRAMPART_SHARED_DATA="$SHARED" >/dev/null
ninja -C "$BUILD" rampart
exec "$BUILD/rampart" serve --demo --shared-data "$SHARED" --data "$DATA" "$@"
