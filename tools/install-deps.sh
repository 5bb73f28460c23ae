#!/usr/bin/env bash
# Installs the Debian 12 packages Rampart builds, tests and benchmarks with.
# Idempotent: does nothing when every package is present, and runs
# `apt-get update` only when something is missing. Needs root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsimdjson-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libpq-dev
  libhyperscan-dev libre2-dev libabsl-dev libxxhash-dev libcli11-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libhowardhinnant-date-dev
  libsodium-dev libargon2-dev libcurl4-openssl-dev libzstd-dev libutf8proc-dev
  libpcre2-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  postgresql curl python3
)
# Programs the test suite runs (keep in step with the tests; everything else
# a test needs is made in-process, e.g. gzip/zstd fixtures in scan_test.cc):
#   /bin/sh (dash, essential)   testing::RunShell, std::system
#   python3                     tests/CMakeLists.txt include_rules, audit_cli_test (the documented verifier)
#   sqlite3                     audit_cli_test, audit_tamper_test (tampering with the store)
#   postgresql, runuser         tools/pg_cluster.sh (runuser: util-linux, essential)
# Extra tools for `--with-bench`: load generators and the grep peers.
BENCH_PACKAGES=(wrk nghttp2-client ripgrep time)

if [[ "${1:-}" == "--with-bench" ]]; then PACKAGES+=("${BENCH_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
