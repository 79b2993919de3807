# shellcheck shell=bash
# Shared set-up for scripts/run and scripts/test (sourced, never run): system packages, the
# Python venv of the integration suite, a private throwaway PostgreSQL cluster, and the build.
# Everything it makes lives under .local/ (gitignored).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
export DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------------------------------------
# System packages

SYSTEM_PACKAGES=(
    libmicrohttpd-dev libpq-dev libssl-dev libcurl4-openssl-dev pkg-config
    postgresql postgresql-contrib nginx-light python3-venv ca-certificates
    systemd curl
    chromium chromium-driver
)

# What scripts/package and scripts/package-check use besides (scripts/test installs them with
# the rest up front, so that no apt-get runs while it builds the package in the background).
PACKAGE_TOOLS=(dpkg-dev lintian binutils gzip man-db)

# Installs whichever of SYSTEM_PACKAGES is missing; does nothing (and needs no root) otherwise.
install_deps() {
    local missing=() pkg state
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        state="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        if [ "$state" != "install ok installed" ]; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    say "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null
}

# Installs Postfix for its smtp-sink (the benchmarks' SMTP server) without a mail system ("No
# configuration"): it has no main.cf, so its service never starts or binds port 25; smtp-sink
# runs on a free port of its own. Sets SMTP_SINK to its path.
install_smtp_sink() {
    if ! command -v smtp-sink >/dev/null 2>&1 && [ ! -x /usr/sbin/smtp-sink ]; then
        say "installing postfix (for smtp-sink), unconfigured"
        printf '%s\n' "postfix postfix/main_mailer_type select No configuration" \
            "postfix postfix/mailname string localhost" | as_root debconf-set-selections
    fi
    SYSTEM_PACKAGES=(postfix)
    install_deps
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        as_root systemctl disable --now postfix >/dev/null 2>&1 || true
    fi
    SMTP_SINK="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"
}

# ---------------------------------------------------------------------------------------------
# Python venv for Tests/integration

VENV_DIR="$LOCAL_DIR/venv"

# Creates .local/venv with Tests/integration/requirements.txt, once per version of that file.
setup_venv() {
    local req="$REPO_ROOT/Tests/integration/requirements.txt"
    local marker="$VENV_DIR/.statushook-requirements"
    local want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -x "$VENV_DIR/bin/python" ] && [ "$(cat "$marker" 2>/dev/null || true)" = "$want" ]; then
        return 0
    fi
    # Debian's interpreter (python3-venv is one of the packages above), not whatever is on PATH.
    local python=/usr/bin/python3
    [ -x "$python" ] || python="$(command -v python3)"
    say "creating the Python venv in ${VENV_DIR#"$REPO_ROOT"/}"
    rm -rf "$VENV_DIR"
    "$python" -m venv "$VENV_DIR"
    "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check -r "$req" </dev/null
    printf '%s\n' "$want" >"$marker"
}

# ---------------------------------------------------------------------------------------------
# A private throwaway PostgreSQL cluster
#
# pg_cluster_init DIR PORT / pg_cluster_start DIR / pg_cluster_stop DIR work on any folder (the
# integration suite uses them for a cluster of its own); start_postgres wraps them for the
# scripts: a fresh cluster under .local/pg/<script>, stopped on exit.

# Debian's server binaries (/usr/lib/postgresql/<newest>/bin), not other copies on PATH.
pg_bin_dir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] \
        || die "no PostgreSQL server binaries under /usr/lib/postgresql (is the postgresql package installed?)"
    printf '%s\n' "$dir"
}

# Runs a command as the cluster's owner: the postgres user when we are root (initdb refuses
# root), ourselves otherwise.
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True when PORT is free on 127.0.0.1 (nothing accepts a connection there).
port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first free port from $1 upwards.
free_port_from() {
    local port="$1"
    while ! port_is_free "$port"; do
        port=$((port + 1))
        [ "$port" -lt 65535 ] || die "no free port from $1 upwards"
    done
    printf '%s\n' "$port"
}

# Stops whatever postmaster still runs on DIR/data (a run killed before its trap) and removes DIR.
pg_cluster_remove() {
    local dir="$1" bin
    bin="$(pg_bin_dir)"
    if [ -f "$dir/data/postmaster.pid" ]; then
        pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        # A postmaster that pg_ctl could not stop (a wrong owner, say): kill it by its pid file.
        local pid
        pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
            && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
            kill -QUIT "$pid" 2>/dev/null || true
            sleep 1
        fi
    fi
    rm -rf "$dir"
}

# Creates a fresh cluster in DIR (data in DIR/data, socket in DIR/run, log in DIR/log) that
# will listen on 127.0.0.1:PORT and on a socket in DIR/run, trusting local connections.
pg_cluster_init() {
    local dir="$1" port="$2" bin
    bin="$(pg_bin_dir)"
    pg_cluster_remove "$dir"
    mkdir -p "$dir/data" "$dir/run"
    : >"$dir/log"
    if [ "$(id -u)" -eq 0 ]; then
        chmod a+rx "$(dirname "$dir")"
        chown -R postgres: "$dir"
        runuser -u postgres -- test -w "$dir/data" \
            || die "the postgres user cannot write $dir (a parent folder is not traversable); move the checkout or clone it under a world-readable path"
    fi
    local sock="$dir/run/.s.PGSQL.$port"
    [ "${#sock}" -lt 100 ] || die "socket path too long for a Unix socket: $sock"
    if ! pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir"
    fi
    cat >>"$dir/data/postgresql.conf" <<EOF

# statushook: a private throwaway cluster
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/run'
max_connections = 200
logging_collector = off
EOF
    printf '%s\n' "$port" >"$dir/port"
}

# Starts the cluster in DIR; on failure prints its log and returns non-zero.
pg_cluster_start() {
    local dir="$1" bin
    bin="$(pg_bin_dir)"
    if ! pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null 2>&1; then
        printf '\n---- PostgreSQL log (%s/log) ----\n' "$dir" >&2
        cat "$dir/log" >&2 || true
        printf -- '---- end of log ----\n' >&2
        printf 'error: the PostgreSQL cluster in %s did not start\n' "$dir" >&2
        return 1
    fi
}

# Stops the cluster in DIR (fast shutdown); quiet when it is not running.
pg_cluster_stop() {
    local dir="$1" bin
    bin="$(pg_bin_dir)"
    if [ -f "$dir/data/postmaster.pid" ]; then
        pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
}

# The libpq connection string of the cluster in DIR for database DBNAME.
pg_cluster_url() {
    local dir="$1" dbname="$2"
    printf 'host=%s port=%s user=postgres dbname=%s\n' "$dir/run" "$(cat "$dir/port")" "$dbname"
}

PG_CLUSTER_DIR=""
PG_TMP_ROOT=""

stop_postgres() {
    if [ -n "$PG_CLUSTER_DIR" ]; then
        pg_cluster_stop "$PG_CLUSTER_DIR"
        PG_CLUSTER_DIR=""
    fi
    if [ -n "$PG_TMP_ROOT" ]; then
        rm -rf "$PG_TMP_ROOT"
        PG_TMP_ROOT=""
    fi
}

# Starts a fresh cluster under .local/pg/<name> (name defaults to the calling script's), creates
# the database statushook, stops the cluster when the shell exits, and exports
# STATUSHOOK_DATABASE_URL (dbname statushook) and STATUSHOOK_TEST_DATABASE_URL (dbname postgres).
start_postgres() {
    local name="${1:-$(basename "$0")}"
    local dir="$LOCAL_DIR/pg/$name"
    local bin port
    bin="$(pg_bin_dir)"
    mkdir -p "$LOCAL_DIR/pg"
    # Two runs of one script in one checkout would share (and wipe) one cluster: the second stops.
    exec {PG_LOCK_FD}>"$LOCAL_DIR/pg/$name.lock"
    flock -n "$PG_LOCK_FD" || die "another scripts/$name is running in this checkout (it owns .local/pg/$name); wait for it to finish"
    pg_cluster_remove "$dir"  # a cluster left running by a killed run frees its port first
    port="$(free_port_from "${STATUSHOOK_PG_PORT:-55432}")"
    mkdir -p "$LOCAL_DIR/pg"
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$LOCAL_DIR/pg" 2>/dev/null; then
        # A checkout the postgres user cannot reach (under /root, say): the cluster goes to /tmp.
        PG_TMP_ROOT="$(mktemp -d /tmp/statushook-pg.XXXXXX)"
        chmod 755 "$PG_TMP_ROOT"
        dir="$PG_TMP_ROOT/$name"
    fi
    say "starting a throwaway PostgreSQL ($bin) in ${dir#"$REPO_ROOT"/} on port $port"
    trap stop_postgres EXIT
    pg_cluster_init "$dir" "$port"
    PG_CLUSTER_DIR="$dir"
    # A port nothing listens on may still be taken (a closed connection's TIME_WAIT, a client's
    # ephemeral port): then the next free one, a few times.
    local tries=1
    while ! pg_cluster_start "$dir" 2>"$dir/start-errors"; do
        if [ "$tries" -ge 5 ] || ! grep -q 'Address already in use' "$dir/log"; then
            cat "$dir/start-errors" >&2
            exit 1
        fi
        tries=$((tries + 1))
        port="$(free_port_from $((port + 1)))"
        say "port taken; trying port $port"
        sed -i "s/^port = .*/port = $port/" "$dir/data/postgresql.conf"
        printf '%s\n' "$port" >"$dir/port"
        : >"$dir/log"
    done
    "$bin/createdb" -h "$dir/run" -p "$port" -U postgres statushook \
        || die "createdb statushook failed"
    STATUSHOOK_DATABASE_URL="$(pg_cluster_url "$dir" statushook)"
    STATUSHOOK_TEST_DATABASE_URL="$(pg_cluster_url "$dir" postgres)"
    export STATUSHOOK_DATABASE_URL STATUSHOOK_TEST_DATABASE_URL
}

# ---------------------------------------------------------------------------------------------
# Build

BUILD_LOG="$LOCAL_DIR/build.log"
# STATUSHOOK_SCRATCH_PATH (optional): a build folder other than .build (name it .build-NAME).
SWIFTPM_FLAGS=()
if [ -n "${STATUSHOOK_SCRATCH_PATH:-}" ]; then
    SWIFTPM_FLAGS=(--scratch-path "$STATUSHOOK_SCRATCH_PATH")
fi

# swift build (debug; release with `build release`), its output also kept in .local/build.log;
# exports STATUSHOOK_BIN. Further arguments go to swift build. Returns non-zero on failure.
build() {
    local config=debug
    if [ "${1:-}" = release ]; then
        config=release
        shift
    fi
    mkdir -p "$LOCAL_DIR"
    say "swift build -c $config $*"
    if ! (cd "$REPO_ROOT" && swift build "${SWIFTPM_FLAGS[@]+"${SWIFTPM_FLAGS[@]}"}" -c "$config" "$@" </dev/null) 2>&1 | tee "$BUILD_LOG"; then
        printf 'error: swift build failed\n' >&2
        return 1
    fi
    STATUSHOOK_BIN="$(cd "$REPO_ROOT" && swift build "${SWIFTPM_FLAGS[@]+"${SWIFTPM_FLAGS[@]}"}" -c "$config" --show-bin-path </dev/null)/statushook"
    if [ ! -x "$STATUSHOOK_BIN" ]; then
        printf 'error: no binary at %s after swift build\n' "$STATUSHOOK_BIN" >&2
        return 1
    fi
    export STATUSHOOK_BIN
}

# True when the last build printed a compiler warning.
build_had_warnings() {
    grep -q 'warning:' "$BUILD_LOG"
}

# ---------------------------------------------------------------------------------------------
# Test result counts, read from the runners' own summary lines

# Prints "PASSED FAILED" for a `swift test` log. XCTest: the last "Executed N tests, with M
# failures" line is the total; Swift Testing: "Test run with N tests … passed|failed", and one
# "✘ Test x failed after …" line per failing test.
swift_test_counts() {
    local log="$1" passed=0 failed=0 line total bad
    line="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$log" | tail -n 1 || true)"
    if [ -n "$line" ]; then
        total="$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$line")"
        bad="$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$line")"
        passed=$((passed + total - bad))
        failed=$((failed + bad))
    fi
    line="$(grep -E 'Test run with [0-9]+ tests?' "$log" | tail -n 1 || true)"
    if [ -n "$line" ]; then
        total="$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$line")"
        bad="$(grep -E '^.{0,4}Test .* failed after' "$log" | grep -vc 'Test run with' || true)"
        if grep -q 'failed' <<<"$line" && [ "$bad" -eq 0 ]; then
            bad=1
        fi
        passed=$((passed + total - bad))
        failed=$((failed + bad))
    fi
    echo "$passed $failed"
}

# Prints "PASSED FAILED" for a pytest log (its closing "N failed, N passed, N errors in …" line;
# errors count as failures).
pytest_counts() {
    local log="$1" line
    line="$(grep -E '^=*[ ]*[0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)' "$log" | tail -n 1 || true)"
    _n() { grep -oE "[0-9]+ $1" <<<"$line" | grep -oE '^[0-9]+' | head -n 1 || true; }
    local passed failed errors
    passed="$(_n passed)"; failed="$(_n failed)"; errors="$(_n 'errors?')"
    echo "${passed:-0} $(( ${failed:-0} + ${errors:-0} ))"
}
