#!/usr/bin/env bash
# The CI stage of the optional Dagster code location (jump.data_platform.orchestration):
# install the `dagster` group into a virtual environment of its own, from nothing, with the
# pinned versions; validate the definitions (which parses the dbt project for its manifest);
# then execute the `refresh_all` job end to end at scale 1 (extracts, loads, dbt build through
# dagster-dbt, report) into a temporary data folder, with a run config (as-of, seed), and check
# that every mart is filled and that `data-platform status` sees the transform; then the deployed
# shape: `dagster-webserver` and `dagster-daemon` as two processes on the same instance (SQLite
# storage in the data folder), until the daemon fires the App's schedule (every minute here) and
# the run-status sensor records the run where `data-platform status --runs` shows it; both stop
# on SIGTERM. It fails with the reason; it prints how long each part took.
# DAGSTER_VENV=<path> reuses a virtual environment that already has the group (local runs).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
MODULE=jump.data_platform.orchestration.dagster_definitions
EXPECTED_MARTS="monthly_turnover nps turnover_by_cohort freelancer_cumulative_turnover"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jump-dagster.XXXXXX")"
# Remove the scratch folder, retrying while a process that just ended still had files open in
# it: a leftover temporary folder must not fail the stage (the checks below are what count).
remove_work() {
    for _ in $(seq 1 10); do
        rm -rf "$WORK" 2>/dev/null && return 0
        sleep 1
    done
    rm -rf "$WORK" || echo "dagster: could not remove $WORK" >&2
    return 0
}
trap remove_work EXIT
fail() {
    printf 'dagster: FAILED: %s\n' "$*" >&2
    exit 1
}
log() { printf '\n==> %s\n' "$*"; }

VENV="${DAGSTER_VENV:-$WORK/venv}"
if [ -x "$VENV/bin/dagster-daemon" ]; then
    log "reusing the virtual environment $VENV"
else
    log "installing jump-data-platform[dagster] (pinned by cli/constraints.txt) into $VENV"
    start=$SECONDS
    "$PYTHON" -m venv "$VENV" || fail "cannot create a virtual environment with $PYTHON"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$REPO/cli/constraints.txt" "$REPO/cli[dagster]" >"$WORK/pip.log" 2>&1 \
        || { grep -v '^WARNING: Location' "$WORK/pip.log" | tail -n 20; fail "pip install failed"; }
    echo "installed in $((SECONDS - start)) s: $("$VENV/bin/python" -m pip list 2>/dev/null \
        | grep -Ei '^(dagster|dagster-dbt|dagster-webserver|dbt-core) ' | tr -s ' ' | paste -sd, -)"
    du -sh "$VENV" | awk '{ print "virtual environment: " $1 }'
fi

export PATH="$VENV/bin:$PATH"
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

log "dagster job execute -j refresh_all (scale 1, as of 2026-06-30 12:00, seed 7: a replay)"
cat >"$WORK/run.yaml" <<'YAML'
resources:
  refresh:
    config:
      as_of: "2026-06-30T12:00:00"
      random_seed: 7
YAML
start=$SECONDS
dagster job execute -m "$MODULE" -j refresh_all -c "$WORK/run.yaml" >"$WORK/run.log" 2>&1 \
    || { grep -E 'STEP_FAILURE|RUN_FAILURE|Error' "$WORK/run.log" | tail -n 30; fail "the job failed"; }
grep -q 'RUN_SUCCESS' "$WORK/run.log" || fail "the job did not report RUN_SUCCESS"
echo "job ran in $((SECONDS - start)) s"
grep -Eo 'STEP_SUCCESS - Finished execution of step "[^"]+" in [^.]+\.?[0-9]*[a-z]+' "$WORK/run.log" \
    | sed 's/STEP_SUCCESS - Finished execution of step /  /' || true

log "checks"
"$VENV/bin/python" - "$WORK/data/lakehouse/lakehouse.duckdb" $EXPECTED_MARTS <<'PY' || fail "the marts are missing or empty"
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

data-platform --data-folder "$WORK/data" status >"$WORK/status.txt" 2>&1 || true
grep -q '^Last transform: succeeded' "$WORK/status.txt" \
    || { cat "$WORK/status.txt"; fail "status does not see Dagster's transform"; }
grep '^Last transform' "$WORK/status.txt"
"$VENV/bin/python" - "$WORK/data/lakehouse/lakehouse.duckdb" <<'PY' || fail "the run config's as-of was not used"
import sys

import duckdb

with duckdb.connect(sys.argv[1], read_only=True) as connection:
    as_of, seed = connection.execute(
        "select as_of, random_seed from sources.app__extract_metadata"
    ).fetchone()
    print(f"  extract as of {as_of}, seed {seed}")
    if not str(as_of).startswith("2026-06-30") or seed != 7:
        sys.exit(f"extract as of {as_of}, seed {seed}")
PY

log "deployed shape: dagster-webserver and dagster-daemon, the App's schedule every minute"
export DATA_PLATFORM_SCHEDULE_APP="* * * * *"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start=$SECONDS
# Each in a process group of its own (setsid), so that the helpers they start (code servers,
# run workers) can be waited for, as a service manager stopping them would.
setsid dagster-daemon run -m "$MODULE" >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
setsid dagster-webserver -h 127.0.0.1 -p "$PORT" -m "$MODULE" >"$WORK/webserver.log" 2>&1 &
WEBSERVER=$!
stop_groups() {
    kill -TERM -- "-$DAEMON" "-$WEBSERVER" 2>/dev/null || true
    for _ in $(seq 1 30); do
        pgrep -g "$DAEMON,$WEBSERVER" >/dev/null || return 0
        sleep 1
    done
    kill -KILL -- "-$DAEMON" "-$WEBSERVER" 2>/dev/null || true
}
trap 'stop_groups; wait 2>/dev/null || true; remove_work' EXIT
# The runs Dagster recorded, as `status` reports them (empty while a run holds the lakehouse:
# `status` then cannot open it).
runs() {
    { data-platform --data-folder "$WORK/data" -q status --runs 10 --format json 2>/dev/null \
        || true; } | "$VENV/bin/python" -c 'import json, sys
try:
    runs = json.load(sys.stdin).get("runs", [])
except ValueError:
    runs = []
print(" ".join(r["job"] + ":" + r["outcome"] for r in runs if r["orchestrator"] == "dagster"))'
}
seen=""
for _ in $(seq 1 180); do  # up to 6 minutes: the next minute's tick, then the run
    kill -0 "$DAEMON" 2>/dev/null || { tail -n 30 "$WORK/daemon.log"; fail "the daemon exited"; }
    seen="$(runs)"
    case "$seen" in *refresh_app:*) break ;; esac
    sleep 2
done
case "$seen" in
    *refresh_app:succeeded*) echo "the schedule fired, the run succeeded and status sees it in $((SECONDS - start)) s" ;;
    *refresh_app:*)
        data-platform --data-folder "$WORK/data" status --runs 3 --format json 2>/dev/null \
            | grep '"error"' || true
        fail "the scheduled run did not succeed: $seen" ;;
    *) tail -n 20 "$WORK/daemon.log"; fail "no scheduled run recorded in 6 minutes" ;;
esac
"$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/server_info', timeout=10)" \
    || { tail -n 20 "$WORK/webserver.log"; fail "the webserver does not answer"; }
COLUMNS=160 data-platform --data-folder "$WORK/data" status --runs 3 2>/dev/null | sed -n '/^Runs/,$p'
ls "$WORK/dagster-home" | paste -sd' ' - | sed 's/^/  DAGSTER_HOME holds: /'

start=$SECONDS
kill -TERM "$DAEMON" "$WEBSERVER"
for pid in "$DAEMON" "$WEBSERVER"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && fail "PID $pid still runs 60 s after SIGTERM"
done
echo "daemon and webserver stopped $((SECONDS - start)) s after SIGTERM"
# What they started ends with them. A code server closes within a few seconds; a run in flight
# (the schedule fires every minute, and a run took 25 to 55 s here) is Dagster's own worker,
# made to outlive a daemon's restart: it finishes its build, then closes. So the bound covers a
# whole run, on a slow machine too.
for _ in $(seq 1 180); do pgrep -g "$DAEMON,$WEBSERVER" >/dev/null || break; sleep 1; done
if pgrep -g "$DAEMON,$WEBSERVER" >/dev/null; then
    ps -o pid,pgid,etimes,args -g "$DAEMON,$WEBSERVER" || true
    fail "processes the daemon or the webserver started still run 180 s after they stopped"
fi
echo "their helper processes ended $((SECONDS - start)) s after SIGTERM"

log "Dagster stage passed"
