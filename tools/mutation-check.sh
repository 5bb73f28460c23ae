#!/usr/bin/env bash
# Hand mutations of the security-relevant conditions in docs/trust.md: flips
# each one, alone, rebuilds only the test binaries that should catch it, runs
# them, and fails if any mutant survives (its tests still pass).
#
#   bash tools/mutation-check.sh            # every mutant in tools/mutations.tsv
#   bash tools/mutation-check.sh NAME...    # only these
#
# The mutants are built in build-mutants/ (ccache makes that cheap after the
# first time), so build/ is never touched; every source file is restored
# after its mutant, also on Ctrl-C. Format of tools/mutations.tsv, one mutant
# a line, TAB-separated:
#   name  file  original text  mutated text  ninja targets (space-separated)  test command
# The original text must occur exactly once in the file. `\t` cannot occur in
# a field and no field may be empty; `\n` in a text field stands for a newline
# and a mutated text of `<delete>` deletes the original. The test command runs
# from the build folder and must exit non-zero on the mutant.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build-mutants
TABLE=$ROOT/tools/mutations.tsv
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true

# The PostgreSQL mutants need a server: a throwaway cluster, as tools/test.sh.
if [[ -z ${RAMPART_TEST_POSTGRES_URL:-} ]]; then
  source tools/pg_cluster.sh
  pg_cluster_start
  export RAMPART_TEST_POSTGRES_URL="$PG_CLUSTER_URL"
fi

if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
fi

backup=""
restore() {
  if [[ -n $backup && -f $backup ]]; then
    # A fresh mtime, so ninja rebuilds the restored source for the next mutant.
    cp "$backup" "$current_file"
    rm -f "$backup"
    backup=""
  fi
}
trap 'restore; exit 130' INT TERM
trap 'restore; [[ -n ${PG_CLUSTER_URL:-} ]] && pg_cluster_stop' EXIT

# Baseline: every test command passes on the unmutated tree (else a broken
# test would "kill" every mutant).
echo "mutation-check: baseline"
baseline_ok=1
while IFS=$'\t' read -r name file original mutated targets command; do
  [[ -z $name || $name == \#* ]] && continue
  printf '%s\t%s\n' "$targets" "$command"
done <"$TABLE" | sort -u >"$BUILD/baseline.tsv"
while IFS=$'\t' read -r targets command; do
  if ! ninja -C "$BUILD" $targets >"$BUILD/baseline.log" 2>&1 ||
     ! (cd "$BUILD" && CI=true RAMPART_SHARED_DATA="${RAMPART_SHARED_DATA:-$ROOT/../shared/data}" \
          timeout 600 bash -c "$command") >>"$BUILD/baseline.log" 2>&1; then
    echo "mutation-check: the unmutated tree fails: $command (log $BUILD/baseline.log)" >&2
    baseline_ok=0
    break
  fi
done <"$BUILD/baseline.tsv"
[[ $baseline_ok -eq 1 ]] || exit 2

want=("$@")
survivors=()
killed=0
total=0
while IFS=$'\t' read -r name file original mutated targets command; do
  [[ -z $name || $name == \#* ]] && continue
  if [[ ${#want[@]} -gt 0 && ! " ${want[*]} " =~ " $name " ]]; then continue; fi
  total=$((total + 1))
  current_file=$ROOT/$file
  count=$(python3 - "$current_file" "$original" <<'EOF'
import sys
text = open(sys.argv[1]).read()
print(text.count(sys.argv[2].replace('\\n', '\n')))
EOF
)
  if [[ $count != 1 ]]; then
    echo "mutation-check: $name: the original text occurs $count times in $file (want 1): update tools/mutations.tsv" >&2
    survivors+=("$name (stale table entry)")
    continue
  fi
  backup=$(mktemp)
  cp -p "$current_file" "$backup"
  if ! python3 - "$current_file" "$original" "$mutated" <<'EOF'
import sys
path, a, b = sys.argv[1], sys.argv[2].replace('\\n', '\n'), sys.argv[3].replace('\\n', '\n')
if b == '<delete>':
    b = ''
text = open(path).read()
open(path, 'w').write(text.replace(a, b, 1))
EOF
  then
    echo "mutation-check: $name: INVALID, could not apply the mutation" >&2
    survivors+=("$name (not applied)")
    restore
    continue
  fi
  log=$BUILD/mutant-$name.log
  if ! ninja -C "$BUILD" $targets >"$log" 2>&1; then
    # A mutant that does not compile proves nothing: fix the table entry.
    echo "mutation-check: $name: INVALID, does not compile (log $log)"
    survivors+=("$name (does not compile)")
  elif (cd "$BUILD" && CI=true RAMPART_SHARED_DATA="${RAMPART_SHARED_DATA:-$ROOT/../shared/data}" \
          timeout 600 bash -c "$command") >>"$log" 2>&1; then
    echo "mutation-check: $name: SURVIVED ($file; log $log)"
    survivors+=("$name")
  else
    echo "mutation-check: $name: killed"
    killed=$((killed + 1))
  fi
  restore
done <"$TABLE"

echo "mutation-check: $killed of $total mutants killed"
if [[ ${#survivors[@]} -gt 0 ]]; then
  echo "mutation-check: survivors: ${survivors[*]}" >&2
  exit 1
fi
