#!/usr/bin/env bash
# Concurrent use: `spendwatch import` and `status` in a loop while the daemon runs a check every
# second on the same database (each check reads the ledger sources again when they changed,
# records alert states and queues email).
#
#   tests/reliability/concurrent.sh BINARY                 # CI: 40 rounds, 100,000 entries
#   ROUNDS=200 ENTRIES=1000000 tests/reliability/concurrent.sh BINARY   # the long setting
#
# It checks that no command fails and none prints "database is locked" or "busy"; that the
# entries in force after each import are exactly the version just imported (no update lost to
# the daemon's own read of the same file); that the daemon logged no failed check; and that the
# database passes integrity_check at the end.
set -euo pipefail
bin=$(realpath "${1:?usage: concurrent.sh BINARY}")
rounds=${ROUNDS:-40}
entries=${ENTRIES:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
daemon_pid='' reader=''
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

python3 "$root/benches/gen_ledger.py" -n "$entries" -f 50 --seed 3 -o . >/dev/null
python3 "$root/benches/inputs.py" . >/dev/null
# A check every second; one recipient set per fund, so checks queue email.
sed -i -E 's/\{id: (F[0-9]+),(.*)\}$/{id: \1,\2, notify: [\1@localhost]}/' config.yaml
sed -i 's/^schedule: .*/schedule: "* * * * * *"/' config.yaml
# No dashboard: the daemon must not need a free port 8090.
echo 'web: {listen: ""}' >> config.yaml
mv ledger.csv full.csv
mv ytd.csv part.csv

fail() {
    echo "FAIL: $*" >&2
    tail -n 20 daemon.log >&2 || true
    exit 1
}
# Never the copy of the write-ahead log into the database at close that sqlite3 would make
# as the last connection: spendwatch finds the database as its own commands left it.
q() { sqlite3 -batch -noheader -cmd '.output /dev/null' -cmd '.dbconfig no_ckpt_on_close on' -cmd '.output stdout' spendwatch.db "$1"; }
# shellcheck source=tests/reliability/common.sh
. "$root/tests/reliability/common.sh"
full=$(totals full.csv)
part=$(totals part.csv)

cp part.csv ledger.csv
"$bin" --config config.yaml import ledger.csv >/dev/null 2>&1
RUST_LOG=info "$bin" --config config.yaml run > daemon.log 2>&1 &
daemon_pid=$!

# Runs spendwatch; it must succeed and say nothing of a lock.
sw() {
    local out
    out=$("$bin" --config config.yaml "$@" 2>&1) || fail "spendwatch $* failed:\n$out"
    if grep -qiE 'locked|busy' <<<"$out"; then fail "spendwatch $* printed:\n$out"; fi
}
statuses=0
for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then version=full; else version=part; fi
    cp "$version.csv" ledger.csv.new
    mv ledger.csv.new ledger.csv
    # status while the import writes, and once it is done.
    ( for _ in 1 2 3; do sw status --format json; done ) &
    reader=$!
    sw import ledger.csv
    wait "$reader" || fail "status failed during round $round"
    reader=''
    sw status
    statuses=$((statuses + 4))
    now=$(q "$IN_FORCE")
    [ "$now" = "${!version}" ] || fail "round $round: entries in force $now, imported $version ${!version}"
done
# Two more checks by the daemon after the last import: they leave the last version in force.
after=$(grep -c 'check done' daemon.log || true)
for attempt in $(seq 300); do
    [ "$(grep -c 'check done' daemon.log || true)" -ge $((after + 2)) ] && break
    [ "$attempt" -lt 300 ] || fail "the daemon made no two checks in 30 s after the last import"
    sleep 0.1
done
now=$(q "$IN_FORCE")
[ "$now" = "${!version}" ] || fail "after the daemon's checks: entries in force $now, imported ${!version}"
checks=$(grep -c 'check done' daemon.log || true)
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon did not exit cleanly"
daemon_pid=''
if grep -E 'ERROR|locked|busy' daemon.log; then fail "the daemon logged the errors above"; fi
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(q 'PRAGMA integrity_check')"
echo "concurrent use: $rounds imports (alternately $full and $part), $statuses status calls, $checks daemon checks meanwhile: no failure, no lock reached a user, no update lost"
