#!/usr/bin/env bash
# Proves systemd/spendwatch.service works under a real systemd (PID 1 of a booted Debian 12).
#
#   tests/systemd/nspawn-test.sh [BINARY]     as root; BINARY defaults to target/release/spendwatch
#
# Boots a debootstrap'd bookworm with systemd-nspawn (--volatile=overlay: the cached rootfs is
# never changed; the container shares the host network), bind-mounts the binary, the unit, a test
# config, a test CA and the SMTP password into it, runs tests/smtp/test_smtpd.py (STARTTLS + AUTH)
# on the host, and checks: `status` before the first start creates nothing, start (READY,
# STATUS), the group's permissions (an officer in group spendwatch runs `status` and drops an
# export into the ledger folder; an outsider is told how to run it), a second daemon refused,
# an alert email delivered (LoadCredential, TLS with the config's ca_file), reload (validated by
# ExecReload, then SIGHUP), a reload with a bad config failing while the daemon keeps running,
# the backup unit while the daemon runs, a watchdog restart of a hung daemon, a clean stop, the
# journal format, and that the password never reaches the journal.
#
# Environment:
#   SPENDWATCH_NSPAWN_ROOT   cached rootfs (default /var/cache/spendwatch-nspawn/bookworm);
#                            built with debootstrap (~1 min) when missing or incomplete
#   SPENDWATCH_NSPAWN_KEEP=1 keep the temporary directory (logs, maildir) for inspection
#
# Needs: root, Debian 12, the Debian mirror. Installs systemd-container, debootstrap,
# python3-aiosmtpd and openssl when missing. Exit status 0 only if every check passed.
set -euo pipefail

T_START=${EPOCHREALTIME/./}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_ARG=${1:-$REPO/target/release/spendwatch}
cd "$REPO"
BIN=$(realpath -e -- "$BIN_ARG" 2>/dev/null) || { echo "nspawn-test: no binary at $BIN_ARG (build it: cargo build --release)" >&2; exit 2; }
[[ -x $BIN ]] || { echo "nspawn-test: $BIN is not executable" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "nspawn-test: must run as root" >&2; exit 2; }

ROOT=${SPENDWATCH_NSPAWN_ROOT:-/var/cache/spendwatch-nspawn/bookworm}
SUITE=bookworm
INCLUDE=systemd,systemd-sysv,dbus,procps,iproute2
STAMP_NAME=.spendwatch-nspawn-complete
STAMP_TEXT="debootstrap --variant=minbase --include=$INCLUDE $SUITE"
MACHINE=swtest-$$
UNIT=spendwatch.service

TMP=""
NSPAWN_PID=""
INIT_PID=""
SMTPD_PID=""
PW=""
declare -a SUMMARY=()
declare -a NOTES=()
CHECK=""
CHECK_T0=0

# ---------------------------------------------------------------------------------------------
# helpers

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
fmt_ms() { if (( $1 < 1000 )); then printf '%dms' "$1"; else printf '%d.%01ds' $(($1 / 1000)) $((($1 % 1000) / 100)); fi; }
say() { local t=$(( $(now_ms) - T_START / 1000 )); printf '[%6d.%01ds] %s\n' $((t / 1000)) $(((t % 1000) / 100)) "$*"; }

begin() {
    CHECK=$1
    CHECK_T0=$(now_ms)
    say "== $CHECK"
}
pass() {
    local dt=$(( $(now_ms) - CHECK_T0 ))
    SUMMARY+=("$(printf 'PASS %7s  %-22s %s' "$(fmt_ms "$dt")" "$CHECK" "$*")")
    say "PASS $CHECK ($(fmt_ms "$dt")): $*"
    CHECK=""
}
fail() {
    local dt=$(( $(now_ms) - CHECK_T0 ))
    SUMMARY+=("$(printf 'FAIL %7s  %-22s %s' "$(fmt_ms "$dt")" "${CHECK:-setup}" "$*")")
    say "FAIL ${CHECK:-setup}: $*" >&2
    CHECK=""
    exit 1
}

# alive PID: running and not a zombie (kill -0 succeeds on an unreaped zombie child)
alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}

# c CMD...: runs CMD inside the container (all its namespaces), with a clean environment and a
# timeout (CT seconds, default 60).
CENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
      SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb)
c() { timeout --kill-after=5 "${CT:-60}" nsenter -t "$INIT_PID" -a "${CENV[@]}" "$@"; }
prop() { c systemctl show -p "$1" --value "$UNIT"; }

# wait_until SECONDS FUNCTION [ARGS...]: polls FUNCTION every 0.25 s until it succeeds.
wait_until() {
    local limit=$(( $(now_ms) + $1 * 1000 ))
    shift
    while :; do
        if "$@"; then return 0; fi
        (( $(now_ms) < limit )) || return 1
        sleep 0.25
    done
}

journal_unit() { c journalctl -u "$UNIT" --no-pager -o cat; }

dump_diagnostics() {
    echo "================ diagnostics ================"
    if [[ -n $INIT_PID ]] && alive "$INIT_PID"; then
        echo "---- systemctl status $UNIT (container)"
        CT=20 c systemctl status "$UNIT" --no-pager -l 2>&1 || true
        echo "---- journalctl -u $UNIT (container)"
        CT=20 c journalctl -u "$UNIT" --no-pager -o short-precise 2>&1 | tail -n 150 || true
        echo "---- systemctl --failed (container)"
        CT=20 c systemctl --failed --no-pager 2>&1 || true
    fi
    if [[ -n $TMP && -f $TMP/nspawn.log ]]; then
        echo "---- systemd-nspawn output (last 40 lines)"
        tail -n 40 "$TMP/nspawn.log" || true
    fi
    if [[ -n $TMP && -f $TMP/smtpd.log ]]; then
        echo "---- test_smtpd.py output (last 40 lines)"
        tail -n 40 "$TMP/smtpd.log" || true
    fi
    echo "============================================="
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if (( rc != 0 )); then
        if [[ -n $CHECK ]]; then # not ended by fail(): interrupted, or a command failed under set -e
            SUMMARY+=("$(printf 'FAIL %7s  %-22s %s' "$(fmt_ms $(( $(now_ms) - CHECK_T0 )))" "$CHECK" "aborted (exit $rc)")")
        fi
        dump_diagnostics
    fi
    if [[ -n $NSPAWN_PID ]] && alive "$NSPAWN_PID"; then
        say "powering the container off"
        if [[ -n $INIT_PID ]] && alive "$INIT_PID"; then
            CT=15 c systemctl poweroff --no-block >/dev/null 2>&1 || kill -TERM "$NSPAWN_PID" 2>/dev/null
        else
            kill -TERM "$NSPAWN_PID" 2>/dev/null
        fi
        local i
        for ((i = 0; i < 120; i++)); do alive "$NSPAWN_PID" || break; sleep 0.25; done
        if alive "$NSPAWN_PID"; then
            say "container did not power off in 30 s: killing systemd-nspawn"
            kill -KILL "$NSPAWN_PID" 2>/dev/null
        fi
        wait "$NSPAWN_PID" 2>/dev/null
    fi
    if [[ -n $SMTPD_PID ]] && alive "$SMTPD_PID"; then
        kill -TERM "$SMTPD_PID" 2>/dev/null
        local i
        for ((i = 0; i < 40; i++)); do alive "$SMTPD_PID" || break; sleep 0.25; done
        alive "$SMTPD_PID" && kill -KILL "$SMTPD_PID" 2>/dev/null
        wait "$SMTPD_PID" 2>/dev/null
    fi
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ ${SPENDWATCH_NSPAWN_KEEP:-0} == 1 ]]; then
            say "kept $TMP"
        else
            rm -rf --one-file-system "$TMP"
        fi
    fi
    local total=$(( $(now_ms) - T_START / 1000 ))
    echo
    echo "==== spendwatch systemd test summary ($(fmt_ms "$total") in all) ===="
    local line
    for line in "${SUMMARY[@]}"; do echo "  $line"; done
    for line in "${NOTES[@]}"; do echo "  NOTE $line"; done
    if (( rc == 0 )); then echo "RESULT: all checks passed"; else echo "RESULT: FAILED (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. tools

begin "host tools"
need=()
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v openssl >/dev/null || need+=(openssl)
command -v sqlite3 >/dev/null || need+=(sqlite3)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
command -v nsenter >/dev/null || fail "nsenter (util-linux) is missing"
if (( ${#need[@]} )); then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt-get update -q >/dev/null || fail "apt-get update failed"
    fi
    if ! apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; then
        { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } ||
            fail "apt-get install ${need[*]} failed"
    fi
    pass "installed ${need[*]}"
else
    pass "all present"
fi

# ---------------------------------------------------------------------------------------------
# 2. the cached rootfs

rootfs_complete() {
    [[ -f $ROOT/$STAMP_NAME && $(cat "$ROOT/$STAMP_NAME") == "$STAMP_TEXT" &&
       -x $ROOT/lib/systemd/systemd && -x $ROOT/usr/sbin/useradd && -x $ROOT/bin/kill ]]
}

# rm -rf a (partial) rootfs, first unmounting what a killed debootstrap may have left mounted.
remove_rootfs() {
    local dir=$1 m
    [[ -e $dir ]] || return 0
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
    rm -rf --one-file-system "$dir"
}

begin "rootfs"
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock -w 900 9 || fail "another run holds $ROOT.lock for 15 min"
if rootfs_complete; then
    pass "reused $ROOT ($(du -sh --apparent-size "$ROOT" 2>/dev/null | cut -f1))"
else
    MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    say "debootstrap $SUITE from $MIRROR into $ROOT (about a minute)"
    remove_rootfs "$ROOT"
    remove_rootfs "$ROOT.partial"
    if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOT.partial" "$MIRROR" \
            >"$ROOT.debootstrap.log" 2>&1; then
        tail -n 30 "$ROOT.debootstrap.log" >&2
        remove_rootfs "$ROOT.partial"
        fail "debootstrap failed (log: $ROOT.debootstrap.log)"
    fi
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$ROOT.partial/etc/hosts"
    rm -f "$ROOT.partial"/var/cache/apt/archives/*.deb
    printf '%s\n' "$STAMP_TEXT" >"$ROOT.partial/$STAMP_NAME"
    mv "$ROOT.partial" "$ROOT"
    rootfs_complete || fail "the new rootfs at $ROOT is incomplete"
    pass "built $ROOT ($(du -sh --apparent-size "$ROOT" | cut -f1))"
fi
flock -u 9
exec 9>&-

# ---------------------------------------------------------------------------------------------
# 3. certificates, config, SMTP server

begin "SMTP server"
TMP=$(mktemp -d /tmp/spendwatch-nspawn.XXXXXX)
chmod 0755 "$TMP"
mkdir -p "$TMP/ca" "$TMP/smtp" "$TMP/etc"
(
    cd "$TMP/ca"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=spendwatch-test-CA"
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >leaf.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile leaf.ext
) >"$TMP/openssl.log" 2>&1 || { cat "$TMP/openssl.log" >&2; fail "openssl failed"; }
chmod 0644 "$TMP/ca/ca.pem"

# a free port, unusual and high, free on 127.0.0.1 and ::1 (the daemon resolves "localhost")
port_free() {
    /usr/bin/python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
p = int(sys.argv[1])
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam)
    try:
        s.bind((host, p))
    except OSError as e:
        if fam == socket.AF_INET or e.errno != 99:  # no IPv6 loopback: fine
            sys.exit(1)
    finally:
        s.close()
EOF
}
PORT=""
for _ in $(seq 50); do
    p=$((41000 + RANDOM % 18000))
    if port_free "$p"; then PORT=$p; break; fi
done
[[ -n $PORT ]] || fail "no free port found"
WEB_PORT=""
for _ in $(seq 50); do
    p=$((41000 + RANDOM % 18000))
    if [[ $p != "$PORT" ]] && port_free "$p"; then WEB_PORT=$p; break; fi
done
[[ -n $WEB_PORT ]] || fail "no free port found for the dashboard"

PW=$(openssl rand -hex 18)
printf 'spendwatch@localhost:%s\n' "$PW" >"$TMP/smtp/users"
# The credential file, as the package wants it (root-only); the daemon gets it via LoadCredential.
install -m 0600 /dev/null "$TMP/etc/smtp-password"
printf '%s\n' "$PW" >"$TMP/etc/smtp-password"

/usr/bin/python3 "$REPO/tests/smtp/test_smtpd.py" --dir "$TMP/smtp" --host 127.0.0.1 \
    --starttls-port "$PORT" --smtps-port 0 --cert "$TMP/ca/server.pem" --key "$TMP/ca/server.key" \
    >"$TMP/smtpd.log" 2>&1 &
SMTPD_PID=$!
smtpd_ready() { alive "$SMTPD_PID" || fail "test_smtpd.py exited: $(tail -n 5 "$TMP/smtpd.log")"; [[ -f $TMP/smtp/ready ]]; }
wait_until 20 smtpd_ready || fail "test_smtpd.py not ready in 20 s"
pass "test_smtpd.py pid $SMTPD_PID, STARTTLS on 127.0.0.1:$PORT"

begin "test config"
# pkg/config.yaml (what the .deb installs) with the SMTP transport to the test server.
CONFIG=$TMP/etc/config.yaml
awk -v port="$PORT" -v web="$WEB_PORT" '
    /^schedule:/ { print "schedule: \"0 9 * * *\""; next }   # the reload check changes it to 09:30
    /^  transport: file$/ {
        print "  transport: smtp"
        print "  smtp:"
        print "    host: localhost"
        print "    port: " port
        print "    security: starttls"
        print "    username: spendwatch@localhost"
        print "    ca_file: /etc/spendwatch/mail-ca.pem"
        print "    timeout: 20s"
        done = 1
        next
    }
    { print }
    END { if (!done) exit 3; print "web: {listen: \"127.0.0.1:" web "\"}" }
' pkg/config.yaml >"$CONFIG" || fail "pkg/config.yaml has no \"  transport: file\" line to replace"
grep -q '/var/lib/spendwatch/ledger/' "$CONFIG" ||
    fail "pkg/config.yaml no longer reads ledgers from /var/lib/spendwatch/ledger/ (the test copies the sample ledgers there)"
chmod 0644 "$CONFIG"
out=$("$BIN" --config "$CONFIG" config check 2>&1) || { printf '%s\n' "$out" >&2; fail "spendwatch config check rejects the test config"; }
pass "pkg/config.yaml + smtp (localhost:$PORT, starttls, ca_file) passes config check"

# ---------------------------------------------------------------------------------------------
# 4. boot

begin "boot container"
systemd-nspawn -D "$ROOT" --boot --register=no --keep-unit --volatile=overlay \
    --machine="$MACHINE" --console=passive \
    --bind-ro="$BIN:/usr/bin/spendwatch" \
    --bind-ro="$REPO/systemd/spendwatch.service:/etc/systemd/system/$UNIT" \
    --bind-ro="$REPO/systemd/spendwatch-backup.service:/etc/systemd/system/spendwatch-backup.service" \
    --bind-ro="$REPO/systemd/spendwatch-backup.timer:/etc/systemd/system/spendwatch-backup.timer" \
    --bind-ro="$CONFIG:/etc/spendwatch/config.yaml" \
    --bind-ro="$TMP/etc/smtp-password:/etc/spendwatch/smtp-password" \
    --bind-ro="$TMP/ca/ca.pem:/etc/spendwatch/mail-ca.pem" \
    --bind-ro="$REPO/data/ledger:/srv/spendwatch-sample-ledger" \
    >"$TMP/nspawn.log" 2>&1 &
NSPAWN_PID=$!

find_init() {
    alive "$NSPAWN_PID" || fail "systemd-nspawn exited: $(tail -n 10 "$TMP/nspawn.log")"
    local p
    for p in $(pgrep -P "$NSPAWN_PID" || true); do
        if [[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd ]]; then INIT_PID=$p; return 0; fi
    done
    return 1
}
wait_until 30 find_init || fail "no systemd inside the container after 30 s"
BOOT_STATE=""
booted() {
    alive "$NSPAWN_PID" || fail "systemd-nspawn exited: $(tail -n 10 "$TMP/nspawn.log")"
    BOOT_STATE=$(CT=20 c systemctl is-system-running --wait 2>/dev/null) || true
    [[ $BOOT_STATE == running || $BOOT_STATE == degraded ]]
}
wait_until 120 booted || fail "the container did not boot in 120 s (state: ${BOOT_STATE:-no answer})"
extra=""
if [[ $BOOT_STATE == degraded ]]; then
    extra=" (failed units: $(c systemctl --failed --plain --no-legend | awk '{print $1}' | xargs))"
fi
pass "systemd $(c systemctl --version | awk 'NR==1{print $2}') is $BOOT_STATE$extra, init host pid $INIT_PID"

begin "install (as postinst)"
# What pkg/debian/postinst does, without adduser (not in minbase). In the overlay: the cached
# rootfs is not changed.
c groupadd --system spendwatch
c useradd --system --gid spendwatch --home-dir /var/lib/spendwatch --no-create-home \
    --shell /usr/sbin/nologin --comment "spendwatch budget monitor" spendwatch
c install -d -m 2770 -o spendwatch -g spendwatch /var/lib/spendwatch
c install -d -m 2775 -o spendwatch -g spendwatch /var/lib/spendwatch/ledger
c sh -c 'install -m 0640 -o spendwatch -g spendwatch /srv/spendwatch-sample-ledger/*.xlsx /srv/spendwatch-sample-ledger/*.csv /var/lib/spendwatch/ledger/'
# The config as the package leaves it: root:spendwatch 0640 (the bind mount shows the host
# file, so its group is set on the host, by number: the container shares the host's ids).
SW_GID=$(c getent group spendwatch | cut -d: -f3)
chgrp "$SW_GID" "$CONFIG"
chmod 0640 "$CONFIG"
# The .deb enables the unit (not started): multi-user.target wants it. This also keeps the unit
# loaded once stopped, so `systemctl show` still reports how it ended.
c systemctl enable "$UNIT" 2>/dev/null
c systemctl daemon-reload
enabled=$(c systemctl is-enabled "$UNIT") || fail "systemctl enable $UNIT failed: $enabled"
ledgers=$(c sh -c 'ls /var/lib/spendwatch/ledger | wc -l')
load=$(prop LoadState)
[[ $load == loaded ]] || fail "$UNIT LoadState=$load"
verify=$(c systemd-analyze verify --man=no "/etc/systemd/system/$UNIT" 2>&1) || true
[[ -z $verify ]] || say "systemd-analyze verify (in the container) says: $verify"
backup_timer=$(c systemctl is-enabled spendwatch-backup.timer 2>/dev/null) || true
[[ $backup_timer == disabled ]] || fail "spendwatch-backup.timer is \"$backup_timer\", not disabled (off by default)"
pass "user $(c id spendwatch), $ledgers ledger files in /var/lib/spendwatch/ledger, unit $load and $enabled, backup timer $backup_timer"

begin "status before start"
# Before the service's first start, as root: it must not create a database that the service
# could then not write.
out=$(c /usr/bin/spendwatch --config /etc/spendwatch/config.yaml status 2>&1) || fail "status before the first start failed: $out"
grep -q '数据库尚未创建' <<<"$out" || fail "status before the first start does not say the database is not created yet: $out"
created=$(c find /var/lib/spendwatch -name 'spendwatch.db*' -print)
[[ -z $created ]] || fail "status before the first start created $created"
pass "exit 0, says 数据库尚未创建, created nothing"

# ---------------------------------------------------------------------------------------------
# 5. the checks

begin "start"
t0=$(now_ms)
CT=90 c systemctl start "$UNIT" || fail "systemctl start $UNIT failed"
t_start=$(( $(now_ms) - t0 ))
STATUS_TEXT=""
checked() {
    local st
    st=$(prop ActiveState)
    [[ $st == active ]] || fail "$UNIT is $st after start (SubState=$(prop SubState), Result=$(prop Result))"
    STATUS_TEXT=$(prop StatusText)
    [[ $STATUS_TEXT == *"last check"* ]]
}
wait_until 30 checked || fail "StatusText has no \"last check\" 30 s after start: \"$STATUS_TEXT\""
MAIN_PID=$(prop MainPID)
owner=$(c stat -c '%U:%G %a' /var/lib/spendwatch)
db=$(c stat -c '%U:%G' /var/lib/spendwatch/spendwatch.db 2>/dev/null) || fail "no /var/lib/spendwatch/spendwatch.db"
[[ $owner == "spendwatch:spendwatch 2770" ]] || fail "StateDirectory is $owner (want spendwatch:spendwatch 2770)"
db_mode=$(c stat -c '%a' /var/lib/spendwatch/spendwatch.db)
[[ $db_mode == 660 ]] || fail "the database is mode $db_mode (want 660: UMask=0007)"
# The config kept for the next run: in CacheDirectory=, the service's alone.
cache=$(c sh -c 'stat -c "%U %a" /var/cache/spendwatch; stat -c "%U %a" /var/cache/spendwatch/config-*.bin') ||
    fail "no config cache in /var/cache/spendwatch"
[[ $cache == $'spendwatch 700\nspendwatch 600' ]] || fail "the config cache is ${cache//$'\n'/, } (want spendwatch 700, spendwatch 600)"
pass "start returned in $(fmt_ms "$t_start") (READY); active, MainPID $MAIN_PID; StatusText \"$STATUS_TEXT\"; StateDirectory $owner, db $db $db_mode; config cache ${cache//$'\n'/, }"

begin "second daemon"
# As root, by hand, beside the service: refused before it touches the database.
second_rc=0
second=$(CT=20 c /usr/bin/spendwatch --config /etc/spendwatch/config.yaml run 2>&1) || second_rc=$?
(( second_rc == 1 )) || fail "a second daemon exited $second_rc (want 1): $second"
grep -q "another spendwatch daemon (PID $MAIN_PID) is already running" <<<"$second" ||
    fail "the second daemon does not name the first (PID $MAIN_PID): $second"
[[ $(prop ActiveState) == active && $(prop MainPID) == "$MAIN_PID" ]] || fail "the service did not survive a second daemon"
lock=$(c stat -c '%U:%G %a' /var/lib/spendwatch/spendwatch.db.lock)
pass "exit 1: \"$(grep -o 'another spendwatch daemon[^;]*' <<<"$second")\"; lock file $lock"

begin "dashboard"
# The container shares the host's network: the daemon's dashboard answers on loopback, with
# its security headers, under the unit's sandbox.
web_report=$(/usr/bin/python3 - "$WEB_PORT" <<'EOF'
import sys, urllib.request
port = sys.argv[1]
out = []
for path in ("/healthz", "/", "/health", "/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        body = r.read().decode()
        assert r.status == 200, (path, r.status)
        assert "default-src 'none'" in r.headers["Content-Security-Policy"], path
        if path == "/":
            assert "网络综合治理体系建设专项资金" in body, body[:300]
        if path == "/metrics":
            assert 'spendwatch_fund_budget_yuan{fund="network-governance"' in body, body[:300]
        out.append(f"{path} {r.status} {len(body)} B")
print("; ".join(out))
EOF
) || fail "the dashboard on 127.0.0.1:$WEB_PORT does not answer as it should: $web_report"
listening=$(journal_unit | grep -o 'dashboard listening[^=]*url=[^ ]*' | tail -n 1) || true
[[ -n $listening ]] || fail "the journal does not say where the dashboard listens"
pass "$web_report; journal: \"$listening\""

begin "group"
# An officer in group spendwatch reads status and drops an export into the ledger folder; an
# outsider is told how to run it.
c useradd --create-home --groups spendwatch officer
c useradd --create-home outsider
out=$(c runuser -u officer -- /usr/bin/spendwatch --config /etc/spendwatch/config.yaml status 2>&1) ||
    fail "status as an officer in group spendwatch failed: $out"
grep -q '支出进度' <<<"$out" || fail "status as an officer shows no table: $out"
c runuser -u officer -- sh -c 'umask 022; cp /srv/spendwatch-sample-ledger/*.csv /var/lib/spendwatch/ledger/officer-drop.csv' ||
    fail "an officer cannot drop a file into /var/lib/spendwatch/ledger"
drop=$(c stat -c '%U:%G %a' /var/lib/spendwatch/ledger/officer-drop.csv)
[[ $drop == "officer:spendwatch 644" ]] || fail "the dropped export is $drop (want officer:spendwatch 644: setgid folder)"
c runuser -u spendwatch -- cat /var/lib/spendwatch/ledger/officer-drop.csv >/dev/null ||
    fail "the service's user cannot read the officer's export"
c rm /var/lib/spendwatch/ledger/officer-drop.csv
outsider_rc=0
out=$(c runuser -u outsider -- /usr/bin/spendwatch --config /etc/spendwatch/config.yaml status 2>&1) || outsider_rc=$?
(( outsider_rc != 0 )) || fail "status as a user outside the group succeeded"
grep -q 'sudo -u spendwatch spendwatch' <<<"$out" && grep -q 'spendwatch 组' <<<"$out" ||
    fail "status as an outsider does not say how to run it: $out"
[[ $(prop ActiveState) == active && $(prop MainPID) == "$MAIN_PID" ]] || fail "the service did not survive an officer's status"
short=$(LC_ALL=C.UTF-8 bash -c 'printf "%s" "${1:0:90}"' _ "$out")
pass "officer: status ok, export dropped as $drop and readable by the service; outsider: exit $outsider_rc, \"$short…\""

begin "alert email"
check_mail() {
    [[ -d $TMP/smtp/maildir/new ]] || return 1
    MAIL_REPORT=$(/usr/bin/python3 - "$TMP/smtp/maildir/new" <<'EOF'
import email, os, re, sys
from email.header import decode_header, make_header
d = sys.argv[1]
names = sorted(os.listdir(d))
good, lines = 0, []
word = re.compile(r"=\?utf-8\?[bq]\?[^?\s]*\?=", re.I)
for n in names:
    m = email.message_from_bytes(open(os.path.join(d, n), "rb").read())
    rcpt = (m.get("X-RcptTo") or "").strip()
    raw = m.get("Subject") or ""
    ascii_ok = all(ord(ch) < 128 for ch in raw)
    enc = bool(word.search(raw)) and ascii_ok
    try:
        subject = str(make_header(decode_header(raw)))
    except Exception as e:
        subject = f"<undecodable: {e}>"
    lines.append(f"  to={rcpt} encoded-word={'yes' if enc else 'NO'} subject={subject}")
    if rcpt == "finance@localhost" and enc:
        good += 1
print(f"{len(names)} message(s), {good} to finance@localhost with an RFC 2047 Subject")
print("\n".join(lines))
sys.exit(0 if good else 1)
EOF
)
}
MAIL_REPORT=""
wait_until 30 check_mail || fail "no alert email to finance@localhost with an encoded-word Subject in 30 s; maildir: ${MAIL_REPORT:-empty}"
sleep 2 # let the rest of the batch arrive, for the report
check_mail || true
printf '%s\n' "$MAIL_REPORT"
pass "$(head -n 1 <<<"$MAIL_REPORT") (password came by LoadCredential: AUTH succeeded; TLS trusted ca_file)"

begin "reload"
# Change the schedule in place (same inode: the bind mount sees it), then reload.
new=$(sed 's/^schedule: .*/schedule: "30 9 * * *"/' "$CONFIG")
grep -q '^schedule: "30 9 \* \* \*"$' <<<"$new" || fail "the test config has no top-level schedule line"
printf '%s\n' "$new" >"$CONFIG"
t0=$(now_ms)
CT=30 c systemctl reload "$UNIT" || fail "systemctl reload $UNIT failed"
RELOAD_LINE=""
reloaded() {
    RELOAD_LINE=$(journal_unit | grep 'config reloaded' | tail -n 1) || true
    [[ -n $RELOAD_LINE ]]
}
wait_until 15 reloaded || fail "no \"config reloaded\" in the journal 15 s after systemctl reload"
t_reload=$(( $(now_ms) - t0 ))
[[ $RELOAD_LINE == *'30 9 * * *'* ]] || fail "reloaded, but not the new schedule: $RELOAD_LINE"
still() { [[ $(prop ActiveState) == active && $(prop StatusText) == *"next check"*"09:30:00"* ]]; }
wait_until 10 still || fail "after reload: ActiveState=$(prop ActiveState) StatusText=\"$(prop StatusText)\" (expected next check at 09:30)"
[[ $(prop MainPID) == "$MAIN_PID" ]] || fail "reload changed MainPID ($MAIN_PID -> $(prop MainPID))"
pass "journal \"$(sed 's/^ *//' <<<"$RELOAD_LINE")\" after $(fmt_ms "$t_reload"); same PID; StatusText \"$(prop StatusText)\""

begin "bad reload"
# A config that does not load: `systemctl reload` fails (ExecReload validates it first), the
# daemon is not signalled and keeps running with the previous one.
GOOD_CONFIG=$(cat "$CONFIG")
printf '%s\n' "$(sed 's/^schedule: .*/schedule: "every morning"/' <<<"$GOOD_CONFIG")" >"$CONFIG"
cursor=$(c journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
reload_rc=0
reload_out=$(CT=30 c systemctl reload "$UNIT" 2>&1) || reload_rc=$?
printf '%s\n' "$GOOD_CONFIG" >"$CONFIG"
printf '%s\n' "$reload_out" | sed 's/^/    systemctl: /'
(( reload_rc != 0 )) || fail "systemctl reload exited 0 with an invalid config"
REJECT=""
rejected() {
    REJECT=$(c journalctl -u "$UNIT" --after-cursor="$cursor" --no-pager -o cat | grep 'schedule') || true
    [[ -n $REJECT ]]
}
wait_until 15 rejected || fail "the journal does not show why the config was refused"
printf '%s\n' "$REJECT" | sed 's/^/    journal: /'
after=$(c journalctl -u "$UNIT" --after-cursor="$cursor" --no-pager -o cat)
! grep -q 'config NOT reloaded\|config reloaded' <<<"$after" || fail "the daemon was signalled although the config is invalid"
[[ $(prop ActiveState) == active ]] || fail "a bad config on reload left $UNIT $(prop ActiveState)"
[[ $(prop MainPID) == "$MAIN_PID" ]] || fail "a bad config on reload changed MainPID ($MAIN_PID -> $(prop MainPID))"
[[ $(prop StatusText) == *"next check"*"09:30:00"* ]] || fail "after a rejected reload StatusText is \"$(prop StatusText)\" (expected the previous schedule, 09:30)"
pass "systemctl reload exit status $reload_rc; the daemon not signalled, still active, same PID, previous schedule (09:30) in force"

begin "backup"
# The backup unit (what the timer starts), while the daemon runs.
CT=60 c systemctl start spendwatch-backup.service || fail "systemctl start spendwatch-backup.service failed"
res=$(c systemctl show -p Result --value spendwatch-backup.service)
[[ $res == success ]] || fail "spendwatch-backup.service Result=$res"
line=$(c journalctl -u spendwatch-backup.service --no-pager -o cat | grep 'written to /var/lib/spendwatch/backup/spendwatch.db' | tail -n 1) ||
    fail "the backup unit did not report what it wrote"
c cat /var/lib/spendwatch/backup/spendwatch.db >"$TMP/backup.db"
integrity=$(sqlite3 "$TMP/backup.db" 'PRAGMA integrity_check' 2>&1) || true
[[ $integrity == ok ]] || fail "the backup fails integrity_check: $integrity"
entries=$(sqlite3 "$TMP/backup.db" 'SELECT COUNT(*) FROM entries')
(( entries > 0 )) || fail "the backup holds no entries"
[[ $(prop ActiveState) == active && $(prop MainPID) == "$MAIN_PID" ]] || fail "the daemon did not survive the backup"
pass "\"$line\"; integrity_check ok, $entries entries"

begin "watchdog"
c mkdir -p "/etc/systemd/system/$UNIT.d"
c sh -c "printf '[Service]\nWatchdogSec=5s\n' >/etc/systemd/system/$UNIT.d/watchdog.conf"
c systemctl daemon-reload
CT=90 c systemctl restart "$UNIT" || fail "systemctl restart $UNIT (WatchdogSec=5s) failed"
wd=$(prop WatchdogUSec)
[[ $wd == 5s ]] || fail "the drop-in did not apply: WatchdogUSec=$wd"
wait_until 30 checked || fail "StatusText has no \"last check\" 30 s after the restart: \"$STATUS_TEXT\""
sleep 6 # longer than WatchdogSec: the pings keep it alive
[[ $(prop ActiveState) == active ]] || fail "killed by its own watchdog while healthy: $(prop Result)"
n0=$(prop NRestarts)
pid0=$(prop MainPID)
c kill -STOP "$pid0"
t0=$(now_ms)
restarted() {
    local pid n
    n=$(prop NRestarts)
    pid=$(prop MainPID)
    [[ $n -gt $n0 && $pid != "$pid0" && $pid != 0 && $(prop ActiveState) == active ]]
}
wait_until 40 restarted || fail "hung daemon (SIGSTOP pid $pid0) not restarted in 40 s: NRestarts=$(prop NRestarts) MainPID=$(prop MainPID) ActiveState=$(prop ActiveState)"
t_wd=$(( $(now_ms) - t0 ))
wd_line=$(journal_unit | grep -i 'watchdog timeout' | tail -n 1) || fail "restarted, but no \"Watchdog timeout\" line in the journal"
pass "SIGSTOP pid $pid0 -> \"$wd_line\"; restarted as pid $(prop MainPID) (NRestarts $n0 -> $(prop NRestarts)) $(fmt_ms "$t_wd") after the SIGSTOP"
wait_until 30 checked || fail "the restarted daemon did not report a check: \"$STATUS_TEXT\""

begin "stop"
cursor=$(c journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
t0=$(now_ms)
CT=30 c systemctl stop "$UNIT" || fail "systemctl stop $UNIT failed"
t_stop=$(( $(now_ms) - t0 ))
after=$(c journalctl -u "$UNIT" --after-cursor="$cursor" --no-pager -o cat)
printf '%s\n' "$after" | sed 's/^/    /'
grep -q 'Deactivated successfully' <<<"$after" || fail "systemd did not log \"Deactivated successfully\" for the stop"
! grep -Eq 'Failed with result|Main process exited|status=' <<<"$after" || fail "the stop was not clean (see the journal lines above)"
st=$(prop ActiveState) res=$(prop Result) code=$(prop ExecMainCode) status=$(prop ExecMainStatus)
[[ $st == inactive && $res == success && $status == 0 && $code == 1 ]] ||
    fail "after stop: ActiveState=$st Result=$res ExecMainCode=$code ExecMainStatus=$status (want inactive, success, exited 0)"
(( t_stop <= 5000 )) || fail "stop took $(fmt_ms "$t_stop") (limit 5 s)"
grep -Eq '^ *INFO +stopped$' <<<"$after" || fail "no \"INFO stopped\" line from the daemon in the journal"
pass "stopped in $(fmt_ms "$t_stop"): ActiveState=$st Result=$res ExecMainStatus=$status"

begin "journal format"
# The daemon's own lines (stdout/stderr of spendwatch run, not systemd's, nor those of
# ExecReload's `config check`, which prints for the administrator): a level first, no timestamp
# of its own (the journal has one), no colour codes.
c journalctl "_SYSTEMD_UNIT=$UNIT" SYSLOG_IDENTIFIER=spendwatch --no-pager -o json >"$TMP/journal.json"
JOURNAL_REPORT=$(/usr/bin/python3 - "$TMP/journal.json" <<'EOF'
import collections, json, re, sys
level = re.compile(r"^\s*(TRACE|DEBUG|INFO|WARN|ERROR)\s")
stamp = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})")
bad, notes, levels, prio = [], [], collections.Counter(), collections.Counter()
n = 0
prev = {}  # _PID -> (level, message, realtime µs) of its previous line
def text(e):
    msg = e.get("MESSAGE")
    return bytes(msg).decode("utf-8", "replace") if isinstance(msg, list) else msg
entries = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
# The daemons are the processes that logged their start; the others ran `config check`.
daemons = {e.get("_PID") for e in entries if "spendwatch started" in (text(e) or "")}
others = sum(1 for e in entries if e.get("_PID") not in daemons)
if others:
    notes.append(f"{others} line(s) from ExecReload's config check, not checked")
for e in entries:
    if e.get("_PID") not in daemons:
        continue
    msg = text(e)
    n += 1
    pid, t = e.get("_PID"), int(e.get("__REALTIME_TIMESTAMP", 0))
    m = level.match(msg or "")
    if not m:
        p = prev.get(pid)
        # journald splits a multi-line message into entries; the 2nd line has no level
        if p and p[0] in ("ERROR", "WARN") and p[1].rstrip().endswith(":") and t - p[2] < 50000:
            notes.append(f"continuation of a multi-line {p[0]} (no level, PRIORITY={e.get('PRIORITY')}): {msg!r}")
        else:
            bad.append(f"no level: {msg!r}")
        prev[pid] = (None, msg or "", t)
    else:
        levels[m.group(1)] += 1
        prio[(m.group(1), e.get("PRIORITY"))] += 1
        prev[pid] = (m.group(1), msg, t)
    if stamp.match(msg or "") or stamp.match(level.sub("", msg or "")):
        bad.append(f"own timestamp: {msg!r}")
    if "\x1b[" in (msg or ""):
        bad.append(f"colour codes: {msg!r}")
print(f"{n} lines; levels {dict(levels)}; journal PRIORITY by level {dict((f'{k[0]}->{k[1]}', v) for k, v in prio.items())}")
for b in bad[:20]:
    print("  BAD " + b)
for x in notes:
    print("  NOTE " + x)
for (lvl, pr), v in sorted(prio.items()):
    want = {"ERROR": "3", "WARN": "4"}.get(lvl)
    if want and pr != want:
        print(f"  NOTE {v} {lvl} line(s) stored with journal PRIORITY={pr}, not {want}: journalctl -p {'err' if want == '3' else 'warning'} does not show them")
sys.exit(1 if bad or n == 0 else 0)
EOF
) || { printf '%s\n' "$JOURNAL_REPORT"; fail "the daemon's journal lines are malformed (see above)"; }
printf '%s\n' "$JOURNAL_REPORT"
while IFS= read -r note; do NOTES+=("journal: ${note#  NOTE }"); done < <(grep '^  NOTE ' <<<"$JOURNAL_REPORT" || true)
pass "$(head -n 1 <<<"$JOURNAL_REPORT")"

begin "password not leaked"
# The whole boot's journal with every field (export format); also the database (the outbox keeps
# the sent messages) and the delivered mail.
c journalctl --no-pager -o export >"$TMP/journal.export"
size=$(stat -c %s "$TMP/journal.export")
(( size > 0 )) || fail "empty journal export"
if grep -aqF -- "$PW" "$TMP/journal.export"; then
    grep -aF -- "$PW" "$TMP/journal.export" | head -n 5 >&2
    fail "the SMTP password appears in the journal"
fi
c sh -c 'cat /var/lib/spendwatch/spendwatch.db*' >"$TMP/db.bin"
! grep -aqF -- "$PW" "$TMP/db.bin" || fail "the SMTP password appears in /var/lib/spendwatch/spendwatch.db"
! grep -rqF -- "$PW" "$TMP/smtp/maildir" || fail "the SMTP password appears in a delivered email"
pass "not in the whole journal ($((size / 1024)) KiB exported, all fields), the database ($(( $(stat -c %s "$TMP/db.bin") / 1024 )) KiB) or the mail"

say "all checks passed"
