#!/bin/sh
# Matcher vs grep -F -f vs rg -F -f on the same files (BENCHMARKS.md, "Matcher").
# Usage: bench/match/run.sh BUILD_DIR WORK_DIR   (WORK_DIR from gen_workload.py)
# Wall time includes loading the values/indicators. grep and rg count matching
# lines (substring matches); rampart counts hits (indicator x event, exact
# normalised values) and the lines with at least one hit.
set -eu
B=$1
W=$2
R="$B/rampart"
E="$W/events.ndjson"
t() { /usr/bin/time -f "%e s wall, %U s user, %M KB max RSS" "$@"; }
echo "events: $(wc -c < "$E") bytes, $(wc -l < "$E") lines; nproc=$(nproc)"
for n in 10k 100k; do
  echo "== $n values"
  echo "-- grep -F -f"
  t sh -c "LC_ALL=C grep -F -c -f '$W/values_$n.txt' '$E'"
  echo "-- rg -F -f"
  t sh -c "rg -F -c -f '$W/values_$n.txt' '$E'"
  echo "-- rampart match (both cores)"
  t sh -c "'$R' match -q --threads 2 --indicators '$W/indicators_$n.json' '$E' > '$W/hits_$n.txt' || true"
  echo "rampart hits: $(wc -l < "$W/hits_$n.txt"), lines with a hit: $(cut -d: -f2 "$W/hits_$n.txt" | sort -u | wc -l)"
done
echo "== 1M indicators (compile + scan)"
t sh -c "'$R' match -q --threads 2 --indicators '$W/indicators_1m.json' '$E' > '$W/hits_1m.txt' || true"
echo "rampart hits: $(wc -l < "$W/hits_1m.txt")"
