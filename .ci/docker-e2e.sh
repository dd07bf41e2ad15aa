#!/usr/bin/env bash
# The Docker end-to-end test of CI: build the image with `make build`, run `make extract load
# transform` as a non-root user into a temporary data folder, then check that the marts exist and
# are filled and that every file belongs to that user.
#
# CI machines have Docker's client but no engine and no Docker Hub. When no engine answers, this
# script (as root) installs Debian's docker.io and debootstrap, starts its own dockerd, builds a
# local stand-in for the base image from the machine's Debian mirror, and stops everything on exit.
# If the test cannot run, it fails with the reason: it is part of CI, not optional.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_IMAGE=python:3.11-slim-bookworm
IMAGE=jump-data-platform:ci
E2E_USER=jump-ci-e2e
# The models the business asked for (DOMAIN.md): each must be a filled table or view in `marts`.
EXPECTED_MARTS="${EXPECTED_MARTS:-monthly_turnover nps turnover_by_cohort freelancer_cumulative_turnover}"

WORK=""
DOCKERD_PID=""
CREATED_USER=""

log() { printf '\n==> %s\n' "$*"; }
fail() {
    printf 'docker-e2e: FAILED: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local status=$?
    if [ -n "$DOCKERD_PID" ]; then
        kill -TERM "$DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$DOCKERD_PID" 2>/dev/null || true
    fi
    if [ -n "$CREATED_USER" ]; then userdel "$CREATED_USER" 2>/dev/null || true; fi
    if [ -n "$WORK" ]; then
        # Mounts the daemon may have left behind, deepest first, before removing its folders.
        findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | xargs -r umount -l 2>/dev/null || true
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- an engine: the one already running, or our own --------------------------------------------

# The first Debian mirror that serves bookworm, from the machine's apt sources (deb822 or one-line).
debian_mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             {
               uris = ""; suites = ""
               for (i = 1; i <= NF; i++) {
                 if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
                 if ($i ~ /^Suites:/) { suites = " " $i " " }
               }
               if (suites ~ /[ \t]bookworm[ \t]/ && uris != "") { split(uris, u, " "); print u[1]; exit }
             }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' "$file"
    done
}

start_own_engine() {
    [ "$(id -u)" -eq 0 ] || fail "no Docker engine answers and starting one needs root (run CI as root)"
    command -v apt-get >/dev/null || fail "no Docker engine answers and this is not a Debian machine (no apt-get)"

    log "installing docker.io and debootstrap"
    apt-get update -q >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; fail "apt-get update failed"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        docker.io debootstrap >>"$WORK/apt.log" 2>&1 \
        || { tail -n 20 "$WORK/apt.log"; fail "apt-get install docker.io debootstrap failed"; }

    log "starting dockerd (its own root, socket and pid file under $WORK)"
    # No bridge and no iptables rules: nothing of the host's network changes; builds use the
    # host's network instead (BUILD_NETWORK below), and the pipeline needs none at run time.
    dockerd --data-root "$WORK/docker" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
        -H "unix://$WORK/docker.sock" --bridge=none --iptables=false --ip-masq=false \
        >"$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$WORK/docker.sock"
    for _ in $(seq 120); do
        docker version >/dev/null 2>&1 && return 0
        kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 20 "$WORK/dockerd.log"; fail "dockerd exited at start"; }
        sleep 0.5
    done
    tail -n 20 "$WORK/dockerd.log"
    fail "dockerd did not answer within 60 seconds"
}

# A stand-in with the base image's tag, built from the machine's Debian mirror.
build_base_standin() {
    local mirror ca
    mirror="$(debian_mirror | head -n 1)"
    [ -n "$mirror" ] || fail "no Debian bookworm mirror found in the apt sources to build $BASE_IMAGE"
    log "building a stand-in for $BASE_IMAGE (debootstrap from $mirror)"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK/debootstrap.log"; fail "debootstrap failed"; }
    tar -C "$WORK/rootfs" -c . | docker import - jump-ci/debian-bookworm:minbase >/dev/null
    rm -rf "$WORK/rootfs"

    mkdir -p "$WORK/standin"
    ca="${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
    [ -f "$ca" ] || fail "no CA bundle on the host at $ca"
    cp "$ca" "$WORK/standin/host-ca-certificates.crt"
    docker build "${BUILD_NETWORK[@]}" --quiet --build-arg BASE=jump-ci/debian-bookworm:minbase \
        --file "$REPO/.ci/python-standin.Dockerfile" --tag "$BASE_IMAGE" "$WORK/standin" >/dev/null
    docker run --rm "$BASE_IMAGE" python3 -c 'import sys, venv, ensurepip; print("stand-in:", sys.version.split()[0])'
}

# pip inside the build reaches the index the way the host's pip does: its HTTP(S) index
# settings (environment or pip config) become build arguments; local file indexes cannot.
pip_build_args() {
    local name key value url
    for name in PIP_INDEX_URL:index-url PIP_EXTRA_INDEX_URL:extra-index-url PIP_DEFAULT_TIMEOUT:timeout; do
        key="${name#*:}" name="${name%%:*}"
        value="${!name:-$(python3 -m pip config get "global.$key" 2>/dev/null || true)}"
        [ -n "$value" ] || continue
        if [ "$name" = PIP_DEFAULT_TIMEOUT ]; then
            printf -- '--build-arg %s=%s ' "$name" "$value"
            continue
        fi
        for url in $value; do
            case "$url" in http://* | https://*) printf -- '--build-arg %s=%s ' "$name" "$url"; break ;; esac
        done
    done
}

# ---- the test --------------------------------------------------------------------------------

WORK="$(mktemp -d "${TMPDIR:-/tmp}/jump-ci.XXXXXX")"
chmod 755 "$WORK"
BUILD_NETWORK=()

if docker version >/dev/null 2>&1; then
    log "using the running Docker engine"
else
    start_own_engine
    BUILD_NETWORK=(--network host)
fi
# Docker's client without the buildx plugin only builds with the classic builder.
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 \
    && ! timeout 120 docker pull --quiet "$BASE_IMAGE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || fail "$BASE_IMAGE cannot be pulled and debootstrap is missing"
    build_base_standin
fi

# The calling user of `make`: not root, owning a copy of the project and the data folder.
if id -u "$E2E_USER" >/dev/null 2>&1; then :; else
    [ "$(id -u)" -eq 0 ] || fail "creating the test user $E2E_USER needs root"
    useradd --no-create-home --shell /bin/bash "$E2E_USER"
    CREATED_USER="$E2E_USER"
fi
E2E_UID="$(id -u "$E2E_USER")"
E2E_GID="$(id -g "$E2E_USER")"
[ "$E2E_UID" -ne 0 ] || fail "the test user must not be root"

# The tracked and new (not ignored) files of the working tree: what a fresh clone holds.
mkdir -p "$WORK/project" "$WORK/home"
git -C "$REPO" ls-files -z --cached --others --exclude-standard \
    | (cd "$REPO" && tar --null --files-from=- --ignore-failed-read -c -f - 2>/dev/null) \
    | tar -x -C "$WORK/project"
chown -R "$E2E_UID:$E2E_GID" "$WORK/project" "$WORK/home"
DATA="$WORK/project/data"
# The user may talk to the engine: our own daemon's socket becomes theirs; a running engine's
# socket admits its group.
socket="${DOCKER_HOST:-unix:///var/run/docker.sock}"
socket="${socket#unix://}"
if [ -n "$DOCKERD_PID" ]; then
    chown "$E2E_UID" "$socket"
elif [ -S "$socket" ] && [ "$(id -u)" -eq 0 ]; then
    usermod -a -G "$(stat -c %G "$socket")" "$E2E_USER"
fi

as_user() {
    local env=(HOME="$WORK/home" PATH="$PATH")
    [ -z "${DOCKER_HOST:-}" ] || env+=(DOCKER_HOST="$DOCKER_HOST")
    [ -z "${DOCKER_BUILDKIT:-}" ] || env+=(DOCKER_BUILDKIT="$DOCKER_BUILDKIT")
    runuser -u "$E2E_USER" -- env "${env[@]}" "$@"
}

log "make build extract load transform (as $E2E_USER, uid $E2E_UID)"
build_args="${BUILD_NETWORK[*]} $(pip_build_args)"
start=$SECONDS
as_user timeout 1800 make -C "$WORK/project" build IMAGE="$IMAGE" BUILD_ARGS="$build_args" \
    || fail "make build failed"
echo "image built in $((SECONDS - start)) s"
docker image inspect "$IMAGE" --format 'image size: {{.Size}} bytes' \
    | awk '{ printf "%s %s %.0f MB\n", $1, $2, $3 / 1e6 }'
start=$SECONDS
as_user timeout 1200 make -C "$WORK/project" extract load transform IMAGE="$IMAGE" DATA="$DATA" \
    || fail "make extract load transform failed"
echo "pipeline ran in $((SECONDS - start)) s"

log "checks"
[ "$(docker run --rm --entrypoint id "$IMAGE" -u)" -ne 0 ] || fail "the image runs as root by default"
for file in sources/app.sqlite sources/crm.sqlite lakehouse/lakehouse.duckdb; do
    [ -s "$DATA/$file" ] || fail "missing or empty: data/$file"
done
foreign="$(find "$DATA" \( ! -uid "$E2E_UID" -o ! -gid "$E2E_GID" \) -printf '%u:%g %p\n')"
[ -z "$foreign" ] || fail "files in the data folder that do not belong to $E2E_USER: $foreign"
echo "every file in the data folder belongs to $E2E_USER ($E2E_UID:$E2E_GID)"

# Query with the image's own DuckDB shell: it proves `make query`'s shell reads the lakehouse.
duckdb_query() {
    docker run --rm --user "$E2E_UID:$E2E_GID" --volume "$DATA:/data" --entrypoint duckdb "$IMAGE" \
        -readonly -csv -noheader /data/lakehouse/lakehouse.duckdb "$1"
}
marts="$(duckdb_query "select table_name from information_schema.tables
                      where table_schema = 'marts' order by table_name")"
[ -n "$marts" ] || fail "no model in the marts schema"
for mart in $EXPECTED_MARTS; do
    grep -qx "$mart" <<<"$marts" || fail "missing mart: marts.$mart"
done
for mart in $marts; do
    rows="$(duckdb_query "select count(*) from marts.\"$mart\"")"
    # Restatements list closed figures that changed: none before a month is closed.
    [ "$mart" = restatements ] && continue
    [ "$rows" -gt 0 ] || fail "empty mart: marts.$mart"
    printf '  marts.%-40s %10s rows\n' "$mart" "$rows"
done

log "Docker end-to-end test passed"
