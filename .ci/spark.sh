#!/usr/bin/env bash
# The Spark stage of CI: install what the Spark engine needs from nothing (Debian's Java 17, the
# pinned `spark` group of the CLI), then run the Spark tests (cli/tests/spark): the same scale-1
# extracts built by DuckDB and by Spark must give identical intermediate tables and marts, and
# the same data tests must pass and warn. Skipping is not passing: the tests are told that Spark
# is required, so a missing piece fails the stage with its reason.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() {
    printf 'spark: FAILED: %s\n' "$*" >&2
    exit 1
}
step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }

step "Java runtime (Debian's openjdk-17-jre-headless)"
if ! command -v java >/dev/null; then
    [ "$(id -u)" = 0 ] || fail "no java on PATH and not root: install openjdk-17-jre-headless"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || fail "apt-get update failed"
    # Debian's slim images lack the man folder that the JRE's post-install script expects.
    mkdir -p /usr/share/man/man1
    apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null \
        || fail "cannot install openjdk-17-jre-headless"
fi
java -version 2>&1 | head -1

step "Python: .venv with the dev and spark groups (pinned by cli/constraints.txt)"
make venv </dev/null
.venv/bin/python -m pip install --quiet -c cli/constraints.txt -e 'cli[dev,spark]' \
    || fail "cannot install the spark group"
.venv/bin/python -c 'import pyspark, dbt.adapters.spark; print("pyspark", pyspark.__version__)'

step "Spark tests (parity with DuckDB at scale 1)"
cd cli
DATA_PLATFORM_REQUIRE_SPARK=1 ../.venv/bin/pytest -p no:cacheprovider -ra tests/spark \
    || fail "the Spark tests failed"
step "Spark stage passed in $SECONDS s"
