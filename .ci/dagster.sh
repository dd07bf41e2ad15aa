#!/usr/bin/env bash
# The CI stage of the optional Dagster code location (jump.data_platform.orchestration):
# install the `dagster` group into a virtual environment of its own, from nothing, with the
# pinned versions; validate the definitions (which parses the dbt project for its manifest);
# then execute the `refresh_all` job end to end at scale 1 (extracts, loads, dbt build through
# dagster-dbt, report) into a temporary data folder, and check that every mart is filled.
# It fails with the reason; it prints how long the install and the run took.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
MODULE=jump.data_platform.orchestration.dagster_definitions
EXPECTED_MARTS="monthly_turnover nps turnover_by_cohort freelancer_cumulative_turnover"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jump-dagster.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
fail() {
    printf 'dagster: FAILED: %s\n' "$*" >&2
    exit 1
}
log() { printf '\n==> %s\n' "$*"; }

log "installing jump-data-platform[dagster] (pinned by cli/constraints.txt) into $WORK/venv"
start=$SECONDS
"$PYTHON" -m venv "$WORK/venv" || fail "cannot create a virtual environment with $PYTHON"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$REPO/cli/constraints.txt" "$REPO/cli[dagster]" >"$WORK/pip.log" 2>&1 \
    || { grep -v '^WARNING: Location' "$WORK/pip.log" | tail -n 20; fail "pip install failed"; }
echo "installed in $((SECONDS - start)) s: $("$WORK/venv/bin/python" -m pip list 2>/dev/null \
    | grep -Ei '^(dagster|dagster-dbt|dagster-webserver|dbt-core) ' | tr -s ' ' | paste -sd, -)"
du -sh "$WORK/venv" | awk '{ print "virtual environment: " $1 }'

export PATH="$WORK/venv/bin:$PATH"
export DAGSTER_HOME="$WORK/dagster-home"
export DATA_PLATFORM_DATA_FOLDER="$WORK/data"
export DATA_PLATFORM_DBT_PROJECT="$REPO/dbt"
mkdir -p "$DAGSTER_HOME"
cp "$REPO/dagster/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"
cd "$WORK"

log "dagster definitions validate -m $MODULE"
start=$SECONDS
dagster definitions validate -m "$MODULE" >"$WORK/validate.log" 2>&1 \
    || { tail -n 30 "$WORK/validate.log"; fail "the definitions do not validate"; }
echo "validated in $((SECONDS - start)) s"

log "dagster job execute -j refresh_all (scale 1)"
start=$SECONDS
dagster job execute -m "$MODULE" -j refresh_all >"$WORK/run.log" 2>&1 \
    || { grep -E 'STEP_FAILURE|RUN_FAILURE|Error' "$WORK/run.log" | tail -n 30; fail "the job failed"; }
grep -q 'RUN_SUCCESS' "$WORK/run.log" || fail "the job did not report RUN_SUCCESS"
echo "job ran in $((SECONDS - start)) s"
grep -Eo 'STEP_SUCCESS - Finished execution of step "[^"]+" in [^.]+\.?[0-9]*[a-z]+' "$WORK/run.log" \
    | sed 's/STEP_SUCCESS - Finished execution of step /  /' || true

log "checks"
"$WORK/venv/bin/python" - "$WORK/data/lakehouse/lakehouse.duckdb" $EXPECTED_MARTS <<'PY' || fail "the marts are missing or empty"
import sys

import duckdb

lakehouse, *expected = sys.argv[1:]
with duckdb.connect(lakehouse, read_only=True) as connection:
    for mart in expected:
        rows = connection.execute(f'select count(*) from marts."{mart}"').fetchone()[0]
        print(f"  marts.{mart:40} {rows:>10} rows")
        if rows == 0:
            sys.exit(f"empty mart: marts.{mart}")
PY

log "Dagster stage passed"
