#!/usr/bin/env bash
# Installs what is missing, builds, starts a throwaway PostgreSQL cluster and
# runs the whole test suite (CTest prints its "N tests passed" summary).
# This is the README's second command and exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
# Let ccache share objects between clones of the repository in other folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build

# A throwaway PostgreSQL cluster for the postgres backend's tests.
source tools/pg_cluster.sh
pg_cluster_start
trap pg_cluster_stop EXIT
export RAMPART_TEST_POSTGRES_URL="$PG_CLUSTER_URL"

# CI=true: a test whose prerequisite (the built binary, shared data, the
# database above) is missing fails instead of skipping, so this script can
# never pass vacuously (tests/testing/test_data.h, RAMPART_SKIP_OR_FAIL_IN_CI).
export CI=true

cd build
ctest --output-on-failure -j2 --timeout 600
