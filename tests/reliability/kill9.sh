#!/usr/bin/env bash
# kill -9 at random moments during imports of a large source, checks that queue and send
# email, and daemon starts; after every kill the database must be whole and consistent, and at
# the end every queued email is delivered, at most once more than once per kill.
#
#   tests/reliability/kill9.sh BINARY            # CI setting: 30 kills, 300,000 entries
#   KILLS=200 ENTRIES=1000000 tests/reliability/kill9.sh BINARY   # the long setting
#
# After each kill it checks:
#   - PRAGMA integrity_check is "ok" and PRAGMA foreign_key_check finds nothing;
#   - the entries in force are exactly the old or exactly the new export (count and sum in 分);
#   - the alert history and the outbox agree: every email belongs to an alert event, every
#     event's email exists;
#   - `spendwatch status` still answers.
# At the end a restart (the daemon started and stopped, then a check) delivers what is pending: every outbox row is "sent", every
# Message-ID is in the file-transport folder, and the duplicates are at most the kills that hit
# a send.
set -euo pipefail
bin=$(realpath "${1:?usage: kill9.sh BINARY}")
kills=${KILLS:-30}
entries=${ENTRIES:-300000}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

python3 "$root/benches/gen_ledger.py" -n "$entries" -f 200 --seed 7 -o . >/dev/null
python3 "$root/benches/inputs.py" .
# One recipient set per fund, so a check queues one email per fund that lags.
sed -i -E 's/\{id: (F[0-9]+),(.*)\}$/{id: \1,\2, notify: [\1@localhost]}/' config.yaml
# No dashboard: the daemons killed here must not need a free port 8090.
echo 'web: {listen: ""}' >> config.yaml
mv ledger.csv new.csv
mv ytd.csv old.csv

# shellcheck source=tests/reliability/common.sh
. "$root/tests/reliability/common.sh"
old=$(totals old.csv)
new=$(totals new.csv)
echo "old export: $old (count|sum 分), new export: $new"

sw() { "$bin" --config config.yaml "$@"; }
db=spendwatch.db
# Never the copy of the write-ahead log into the database at close that sqlite3 would make
# as the last connection: spendwatch finds the database as its own commands left it.
q() { sqlite3 -batch -noheader -cmd '.output /dev/null' -cmd '.dbconfig no_ckpt_on_close on' -cmd '.output stdout' "$db" "$1"; }

cp old.csv ledger.csv
sw import ledger.csv >/dev/null 2>&1

fail() { echo "FAIL after kill $1: $2" >&2; exit 1; }

verify() {
    local k=$1
    [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "$k" "integrity_check: $(q 'PRAGMA integrity_check')"
    [ -z "$(q 'PRAGMA foreign_key_check')" ] || fail "$k" "foreign_key_check: $(q 'PRAGMA foreign_key_check')"
    local now
    now=$(q "$IN_FORCE")
    if [ "$now" = "$old" ]; then in_force_old=$((in_force_old + 1))
    elif [ "$now" = "$new" ]; then in_force_new=$((in_force_new + 1))
    else fail "$k" "entries in force $now are neither the old $old nor the new $new"
    fi
    local orphan_mail orphan_event
    orphan_mail=$(q 'SELECT count(*) FROM outbox WHERE id NOT IN
        (SELECT outbox_id FROM alert_events WHERE outbox_id IS NOT NULL)')
    orphan_event=$(q 'SELECT count(*) FROM alert_events e WHERE e.outbox_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = e.outbox_id)')
    [ "$orphan_mail" = 0 ] || fail "$k" "$orphan_mail emails without an alert event"
    [ "$orphan_event" = 0 ] || fail "$k" "$orphan_event alert events without their email"
    sw status >/dev/null || fail "$k" "status fails"
}

# A random pause of 0 to $1 milliseconds.
pause() { sleep "$(awk -v r="$RANDOM" -v max="$1" 'BEGIN { printf "%.3f", r / 32767 * max / 1000 }')"; }

in_force_old=0 in_force_new=0 landed=0 hit=(0 0 0)
day=$(date -d 2025-04-01 +%s)
last_day=2025-04-01
for ((k = 1; k <= kills; k++)); do
    case $((k % 3)) in
        0)  # an import of the other export
            if [ $((k % 2)) = 0 ]; then cp new.csv ledger.next; else cp old.csv ledger.next; fi
            mv ledger.next ledger.csv
            "$bin" --config config.yaml import ledger.csv >/dev/null 2>&1 & pid=$! ; pause 250 ;;
        1)  # a check that queues and sends one email per lagging fund
            last_day=$(date -u -d "@$day" +%F)
            day=$((day + 5 * 86400))
            "$bin" --config config.yaml check --as-of "$last_day" >/dev/null 2>&1 & pid=$! ; pause 100 ;;
        2)  # the daemon's start: import, check, deliver
            "$bin" --config config.yaml run >/dev/null 2>&1 & pid=$! ; pause 400 ;;
    esac
    if kill -9 "$pid" 2>/dev/null; then hit[$((k % 3))]=$((hit[k % 3] + 1)); else landed=$((landed + 1)); fi
    wait "$pid" 2>/dev/null || true
    verify "$k"
done

# The restart: the daemon's start releases the leases of senders killed mid-send (a lone
# `check` leaves a leased email to its lease's expiry); it is stopped (SIGTERM, a clean stop)
# once started, and an uninterrupted check then delivers everything pending.
"$bin" --config config.yaml run >daemon.log 2>&1 &
daemon=$!
for _ in $(seq 1 240); do
    grep -q "spendwatch started" daemon.log && break
    sleep 0.5
done
grep -q "spendwatch started" daemon.log || { cat daemon.log >&2; echo "FAIL: the daemon did not start" >&2; exit 1; }
kill -TERM "$daemon"
wait "$daemon" || true
sw check --as-of "$last_day" >/dev/null 2>&1
rows=$(q 'SELECT count(*) FROM outbox')
unsent=$(q "SELECT count(*) FROM outbox WHERE status <> 'sent'")
if [ "$unsent" != 0 ]; then
    echo "FAIL: $unsent of $rows emails not sent after the restart; by status and error:" >&2
    q "SELECT status, count(*), max(attempts), coalesce(last_error, '') FROM outbox
       WHERE status <> 'sent' GROUP BY status, last_error" >&2
    exit 1
fi
q 'SELECT message_id FROM outbox' | sort > queued.txt
grep -h -i '^Message-ID:' outbox/*.eml | sed 's/^[^:]*: *//' | tr -d '\r' | sort > delivered.txt
missing=$(comm -23 queued.txt <(sort -u delivered.txt) | wc -l)
duplicates=$(( $(wc -l < delivered.txt) - $(sort -u delivered.txt | wc -l) ))
[ "$missing" = 0 ] || { echo "FAIL: $missing queued emails never delivered" >&2; exit 1; }
sends_hit=$((hit[1] + hit[2]))
[ "$duplicates" -le "$sends_hit" ] || { echo "FAIL: $duplicates duplicates for $sends_hit kills during checks and daemon starts" >&2; exit 1; }

echo "kills: $kills (import ${hit[0]}, check ${hit[1]}, daemon ${hit[2]}; $landed finished before the kill)"
echo "after each kill: integrity ok, entries exactly old $in_force_old times, exactly new $in_force_new times"
echo "emails: $rows queued, all delivered; $duplicates delivered twice (at most $sends_hit allowed)"
echo "reproduce: KILLS=$kills ENTRIES=$entries tests/reliability/kill9.sh $1"
