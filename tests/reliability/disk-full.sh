#!/usr/bin/env bash
# A full disk and a read-only disk under the database and under the mail folder, on small
# tmpfs mounts inside a private mount namespace (they vanish with it). Needs root.
#
#   tests/reliability/disk-full.sh BINARY
#
# Each fault must end the command with exit status 1 and a message that says what is wrong and
# what to do, leave the database whole (integrity_check) and unchanged (the same entries in
# force, the same alerts and outbox), and never hang; once space (or write access) returns, the
# same command succeeds and nothing is lost or counted twice.
set -euo pipefail
bin=$(realpath "${1:?usage: disk-full.sh BINARY}")
root=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "disk-full.sh needs root (mount namespaces)" >&2; exit 1; }

if [ "${DISK_FULL_INSIDE:-}" != 1 ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    DISK_FULL_INSIDE=1 unshare -m --propagation private "$0" "$bin" "$work"
    exit
fi
work=$2
cd "$work"
# shellcheck source=tests/reliability/common.sh
. "$root/tests/reliability/common.sh"

python3 "$root/benches/gen_ledger.py" -n 60000 -f 20 --seed 11 -o . >/dev/null
python3 "$root/benches/inputs.py" . >/dev/null
# One recipient set per fund, so a check on 07-01 queues one email per lagging fund.
sed -i -E 's/\{id: (F[0-9]+),(.*)\}$/{id: \1,\2, notify: [\1@localhost]}/' config.yaml
sed -i 's#^database: .*#database: db/spendwatch.db#; s#dir: outbox#dir: mail#' config.yaml
mv ytd.csv old.csv
mv ledger.csv new.csv
mkdir db mail
mount -t tmpfs -o size=64m tmpfs db
mount -t tmpfs -o size=1m tmpfs mail

sw() { timeout 300 "$bin" --config config.yaml "$@"; }
# Never the copy of the write-ahead log into the database at close that sqlite3 would make
# as the last connection: spendwatch finds the database as its own commands left it.
q() { sqlite3 -batch -noheader -cmd '.output /dev/null' -cmd '.dbconfig no_ckpt_on_close on' -cmd '.output stdout' db/spendwatch.db "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# Count and sum of the entries in force, and the alert and outbox rows.
state() {
    q "SELECT ($IN_FORCE) || ' events ' ||
              (SELECT count(*) FROM alert_events) || ' emails ' || (SELECT count(*) FROM outbox)"
}
# Runs a command that must fail: exit status 1 and the advice (an extended regular expression)
# in its message, without hanging.
must_fail() {
    local what=$1 advice=$2; shift 2
    local out rc=0
    out=$(sw "$@" 2>&1) || rc=$?
    [ "$rc" != 124 ] || fail "$what: the command hung"
    [ "$rc" = 1 ] || fail "$what: exit status $rc, expected 1:\n$out"
    grep -qE "$advice" <<<"$out" || fail "$what: the message lacks \"$advice\":\n$out"
    echo "$what: exit 1; it said: $(tail -n 1 <<<"$out" | cut -c1-150)…"
}
# Once the fault is gone (sqlite3 itself cannot open the file on a full disk): the database
# is whole and holds what it held before ($1, from `state`).
unchanged() {
    [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(q 'PRAGMA integrity_check')"
    [ "$(state)" = "$1" ] || fail "the database changed: $1 -> $(state)"
}
# Fills the file system of folder $1 (dd stops with "No space left on device").
fill() {
    dd if=/dev/zero of="$1/filler" bs=4k status=none 2>/dev/null || true
}
full="free some space"
# A database in WAL mode cannot even be opened on a read-only file system, unless a command
# left its write-ahead log and index beside it: then it opens, and the first write is refused.
readonly_advice="is not on a read-only file system|the database or its folder is read-only"

# 1. Import: the old export fits; the new, larger one does not (the import is written on a
#    second thread while the file is read: the failure must end both).
cp old.csv ledger.csv
out=$(sw import ledger.csv 2>&1) || fail "the first import failed: $out"
old=$(state)
cp new.csv ledger.csv
mount -o remount,size=$(( $(du -k db/spendwatch.db | cut -f1) + 512 ))k db
must_fail "import, disk full" "$full" import ledger.csv
mount -o remount,size=256m db
unchanged "$old"
sw import ledger.csv >/dev/null 2>&1 || fail "import after space returned"
new=$(state)
[ "$new" != "$old" ] || fail "the new export is not in force"
echo "import after space returned: ok ($old -> $new)"

# 2. Check: it records alert states and queues their emails in one transaction. A reader
#    keeps the database open meanwhile, as the daemon would, so that the check opens it and
#    fails in that transaction (without one, it would fail sooner, creating the shm file).
before=$(state)
{ echo 'SELECT count(*) FROM sources;'; sleep 120; } | sqlite3 db/spendwatch.db >/dev/null &
holder=$!
sleep 0.5
fill db
must_fail "check, disk full" "database or disk is full" check --as-of 2025-07-01
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
rm db/filler
unchanged "$before"
out=$(sw check --as-of 2025-07-01 2>&1) || fail "check after space returned: $out"
queued=$(q "SELECT count(*) FROM outbox")
[ "$queued" -gt 0 ] || fail "the check queued no email"
[ "$(q "SELECT count(*) FROM outbox WHERE status = 'sent'")" = "$queued" ] || fail "not all sent: $out"
echo "check after space returned: $queued emails queued and sent"

# 3. Send: the mail folder (file transport) is full; the emails wait, then go once each, and
#    no partial file is left behind.
rm -f mail/*
fill mail
out=$(sw check --as-of 2025-07-08 2>&1) || fail "check with a full mail folder: $out"
pending=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
[ "$pending" -gt 0 ] || fail "no email waits after a send to a full disk: $out"
grep -q "No space left on device" <<<"$(sw outbox 2>&1)" || fail "outbox does not show the cause"
echo "send, disk full: $pending emails pending, outbox shows \"No space left on device\""
rm mail/filler
sw outbox --retry >/dev/null 2>&1 || fail "outbox --retry after space returned"
[ "$(q "SELECT count(*) FROM outbox WHERE status <> 'sent'")" = 0 ] || fail "emails still unsent"
python3 - mail db/spendwatch.db <<'PY' || fail "the mail folder does not match the outbox"
import email, os, sqlite3, sys
folder, db = sys.argv[1], sys.argv[2]
since = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT message_id FROM outbox WHERE check_day = '2025-07-08'")]
got = []
names = os.listdir(folder)
assert all(n.endswith(".eml") for n in names), f"not a finished email: {names}"
for name in names:
    with open(os.path.join(folder, name), "rb") as f:
        got.append(email.message_from_binary_file(f)["Message-ID"])
print(f"after the retry: {len(got)} emails in the folder for {len(since)} queued, "
      f"{len(got) - len(set(got))} twice")
sys.exit(0 if sorted(got) == sorted(since) else 1)
PY

# 4. Read-only: the database's folder is remounted read-only.
cp old.csv ledger.csv
before=$(state)
mount -o remount,ro db
must_fail "import, read-only" "$readonly_advice" import ledger.csv
must_fail "check, read-only" "$readonly_advice" check --as-of 2025-07-15
mount -o remount,rw db
unchanged "$before"
sw import ledger.csv >/dev/null 2>&1 || fail "import after write access returned"
[ "$(state | cut -d' ' -f1)" = "$(cut -d' ' -f1 <<<"$old")" ] || fail "the old export is not in force again"
echo "import after write access returned: ok"
echo "disk full and read-only: ok"
