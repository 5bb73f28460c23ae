#!/usr/bin/env bash
# TAXII server benchmarks (BENCHMARKS.md, "TAXII server").
#
#   bash bench/taxii/run.sh [N_OBJECTS] [DURATION] [--unmarked]
#
# Creates a fresh SQLite data dir, a collection and a read/write token,
# starts `rampart serve` (2 worker threads, access log ON to a file), loads
# N synthetic indicators through TAXII POST, then measures with the load
# generator on the same machine:
#   1. wrk  -c64: authenticated single-object GET (objects/{id}/)
#   2. h2load --h1 -c64: the same request, one fixed id
#   3. wrk  -c64: 100-object pages (objects/?limit=100&added_after=<random>)
# and prints the server's RSS (VmRSS, VmHWM) after each run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-1000000}
DUR=${2:-20s}
MARK=${3:-}   # "--unmarked": objects take the collection default TLP (rewritten on every read)
BIN=${RAMPART_BIN:-$ROOT/build/rampart}
PORT=${RAMPART_BENCH_PORT:-19443}
DATA=$(mktemp -d /tmp/rampart-bench.XXXXXX)
BIG=0b1b0b1b-0000-4000-8000-00000000b16b
HERE=$ROOT/bench/taxii
BASE=http://127.0.0.1:$PORT

"$BIN" collection create --data "$DATA" --title "bench" --id "$BIG" >/dev/null
TOKEN=$("$BIN" token create --data "$DATA" --name bench --role contributor --collection "$BIG" --read --write | tail -1)
"$BIN" serve --data "$DATA" --listen 127.0.0.1:$PORT --threads 2 --access-log "$DATA/access.log" \
  --max-content-length 104857600 >"$DATA/serve.out" 2>"$DATA/serve.err" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -sf $BASE/healthz >/dev/null && break; sleep 0.2; done

rss() { grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s ' \t' ' ' | tr '\n' ' '; echo; }

echo "== loading $N objects"
/usr/bin/time -f "load: %e s" /usr/bin/python3 "$HERE/gen_objects.py" $BASE "$TOKEN" $BIG "$N" 1000 $MARK
rss
/usr/bin/python3 "$HERE/walk_starts.py" $BASE "$TOKEN" $BIG "$DATA/ids.txt" >"$DATA/starts.txt"
rss

export RAMPART_TOKEN=$TOKEN RAMPART_COLLECTION=$BIG RAMPART_IDS=$DATA/ids.txt RAMPART_STARTS=$DATA/starts.txt
echo "== wrk single-object GET, 64 connections, $DUR"
wrk -t2 -c64 -d"$DUR" --latency -s "$HERE/single_object.lua" $BASE | grep -E 'Requests/sec|Latency|p50|Non-2xx|Socket'
rss
ID=$(head -1 "$DATA/ids.txt")
echo "== h2load --h1 single-object GET, 64 connections"
h2load --h1 -t2 -c64 -n 300000 -H "Accept: application/taxii+json;version=2.1" -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/collections/$BIG/objects/$ID/" | grep -E 'finished in|requests:|status codes|time for request'
rss
echo "== wrk 100-object pages, 64 connections, $DUR"
wrk -t2 -c64 -d"$DUR" --latency -s "$HERE/page.lua" $BASE | grep -E 'Requests/sec|Latency|p50|Non-2xx|Socket'
rss
echo "== access log lines: $(wc -l <"$DATA/access.log")"
