#!/usr/bin/env bash
# A long mail-server outage seen by the daemon: the real `spendwatch run` on a clock sped up by
# libfaketime (a day passes in 2 s), checking every morning at 09:00 and queueing one email per
# lagging fund, while the real test SMTP server (tests/smtp/test_smtpd.py, STARTTLS + AUTH) is
# down. Then the server comes back.
#
#   tests/reliability/mail-outage.sh BINARY                       # CI: 20 funds, 21 days down
#   FUNDS=100 DAYS=90 tests/reliability/mail-outage.sh BINARY     # the long setting
#
# It checks that:
#   - the queue grows while the server is down, and nothing is marked failed;
#   - the server is tried with one email per backoff, not with every queued one (at most 32
#     attempts a day);
#   - the daemon's memory stays flat: its own resident memory (RssAnon: heap and stacks) from
#     day 3 of the outage to the end grows by at most RSS_SLACK_KB (default 8 MiB), however
#     long the queue gets. VmRSS is printed beside it but not judged: its file-backed part,
#     the executable's code, is unmapped after a second of quiet and mapped again by each
#     check, so a sample swings by several MiB with the moment it is taken (a run of an
#     unchanged build failed on VmRSS, 9.0 MiB between a quiet sample and one mid-check);
#   - once the server is back, the next try succeeds (at most the one in flight as it returns
#     fails), every email queued during the outage is delivered, each once (Message-IDs on the
#     server against the outbox, allowing the one in flight at the final stop), and the
#     database passes integrity_check.
# It prints the figures: emails queued, send attempts, resident size at each stage.
set -euo pipefail
bin=$(realpath "${1:?usage: mail-outage.sh BINARY}")
funds=${FUNDS:-20}
days=${DAYS:-21}
speed=${SPEED:-43200}
rss_slack_kb=${RSS_SLACK_KB:-8192}
root=$(cd "$(dirname "$0")/../.." && pwd)
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -e "$faketime_lib" ] || { echo "needs libfaketime: apt-get install faketime" >&2; exit 1; }
work=$(mktemp -d)
daemon_pid='' server_pid=''
cleanup() {
    [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() {
    echo "FAIL: $*" >&2
    echo "--- last daemon log lines:" >&2
    tail -n 20 daemon.log >&2 || true
    exit 1
}

# The test CA and a leaf for localhost (TESTING.md's recipe); the daemon trusts the CA.
openssl_q() { openssl "$@" >/dev/null 2>&1; }
openssl_q req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj /CN=outage-CA
openssl_q req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > leaf.ext
openssl_q x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile leaf.ext
read -r port smtps_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
password=outage-test-password
printf '%s\n' "$password" > smtp-password
mkdir srv
printf 'spendwatch:%s\n' "$password" > srv/users

# Funds of the year ahead with nothing spent: each lags every milestone, and each has its own
# recipient, so every check that warns queues one email per fund. The clock starts on 03-20.
year=$(( $(date +%Y) + 1 ))
{
    printf 'timezone: Asia/Shanghai\ndatabase: spendwatch.db\nschedule: "0 9 * * *"\n'
    # No dashboard: the daemon must not need a free port 8090.
    printf 'web: {listen: ""}\n'
    printf 'ledger: {sources: [{path: ledger.csv, fund: F000}]}\n'
    printf 'email:\n  to: [finance@localhost]\n  admin: []\n  transport: smtp\n'
    printf '  smtp: {host: localhost, port: %s, security: starttls, username: spendwatch, password_file: smtp-password, ca_file: ca.pem, timeout: 7d}\n' "$port"
    printf 'funds:\n'
    for n in $(seq 0 $((funds - 1))); do
        i=$(printf %03d "$n")
        printf '  - {id: F%s, code: C%s, name: 专项资金%s, year: %s, budget: 100000, notify: [f%s@localhost]}\n' \
            "$i" "$i" "$i" "$year" "$i"
    done
} > config.yaml
printf '日期,金额\n%s-01-05,100.00\n' "$year" > ledger.csv
"$bin" --config config.yaml config check >/dev/null

# Never the copy of the write-ahead log into the database at close that sqlite3 would make
# as the last connection: spendwatch finds the database as its own commands left it.
q() { sqlite3 -batch -noheader -cmd '.output /dev/null' -cmd '.dbconfig no_ckpt_on_close on' -cmd '.output stdout' spendwatch.db "$1"; }
# The as-of day of the daemon's latest check, as days since the start.
fake_day() {
    local day
    day=$(grep -o 'check done day=[0-9-]*' daemon.log | tail -n 1 | cut -d= -f2)
    [ -n "$day" ] || { echo -1; return; }
    echo $(( ($(date -ud "$day" +%s) - $(date -ud "$year-03-20" +%s)) / 86400 ))
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status"; }
anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$daemon_pid/status"; }

# The daemon as the unit runs it (the same malloc setting), on the fast clock.
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 \
    LD_PRELOAD=$faketime_lib FAKETIME="@$year-03-20 08:00:00 x$speed" \
    "$bin" --config config.yaml run > daemon.log 2>&1 &
daemon_pid=$!

echo "server down; daemon on a clock $speed times fast; $funds funds; outage of $days days"
rss_day3='' rss_max=0 anon_day3='' anon_max=0 pending_day3='' last_printed=''
step=$(( days >= 30 ? 10 : 5 ))
deadline=$(( $(date +%s) + days * 86400 / speed + 120 ))
while :; do
    kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon exited"
    [ "$(date +%s)" -lt "$deadline" ] || fail "the fake clock did not reach day $days"
    d=$(fake_day)
    rss=$(rss_kb)
    anon=$(anon_kb)
    if [ "$d" -ge 3 ]; then
        if [ -z "$rss_day3" ]; then
            rss_day3=$rss
            anon_day3=$anon
            pending_day3=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
        fi
        [ "$rss" -gt "$rss_max" ] && rss_max=$rss
        [ "$anon" -gt "$anon_max" ] && anon_max=$anon
        if [ $((d % step)) = 0 ] && [ "$d" != "$last_printed" ]; then
            last_printed=$d
            echo "  day $d: $(q "SELECT count(*) FROM outbox WHERE status = 'pending'") pending, resident $rss kB (own $anon kB)"
        fi
    fi
    [ "$d" -ge "$days" ] && break
    sleep 0.5
done
rss_end=$(rss_kb)
anon_end=$(anon_kb)
queued=$(q "SELECT count(*) FROM outbox")
pending=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
failed=$(q "SELECT count(*) FROM outbox WHERE status <> 'pending'")
attempts=$(q "SELECT sum(attempts) FROM outbox")
last_queued=$(q "SELECT max(id) FROM outbox")
echo "after $days days down: $queued emails queued ($pending pending, $failed sent or failed), $attempts send attempts"
echo "resident size: ${rss_day3} kB on day 3 with $pending_day3 pending; at most ${rss_max} kB after; ${rss_end} kB at the end"
echo "own (RssAnon): ${anon_day3} kB on day 3; at most ${anon_max} kB after; ${anon_end} kB at the end"
[ "$failed" = 0 ] || fail "$failed emails left the pending state while the server was down"
[ "$pending" -gt "$pending_day3" ] || fail "the queue did not grow ($pending_day3 -> $pending)"
# One email stands for the queue while the server does not answer: at most 24 tries a day at
# the hourly cap, plus the quicker first retries after a check queues new mail.
[ "$attempts" -le $(( 32 * (days + 1) )) ] ||
    fail "$attempts send attempts in $days days: the queue is tried message by message"
[ $((anon_max - anon_day3)) -le "$rss_slack_kb" ] ||
    fail "own memory (RssAnon) grew by $((anon_max - anon_day3)) kB during the outage (allowed: $rss_slack_kb kB)"

# The server comes back: the next try succeeds (at most one try, in flight as it returns,
# still fails), and the queue goes. The backoff between tries is at most an hour (unit tests
# in src/app/deliver.rs); on this clock the sends' own time is hours, so no fake-time bound here.
/usr/bin/python3 "$root/tests/smtp/test_smtpd.py" --dir srv --host 127.0.0.1 \
    --starttls-port "$port" --smtps-port "$smtps_port" --cert server.pem --key server.key \
    > server.log 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -e srv/ready ] && break; sleep 0.1; done
[ -e srv/ready ] || fail "the SMTP server did not start: $(cat server.log)"
back=$(date +%s.%N)
log_lines_at_back=$(wc -l < daemon.log)
until [ "$(q "SELECT count(*) FROM outbox WHERE id <= $last_queued AND status = 'sent'")" = "$last_queued" ]; do
    kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon exited"
    (( $(date +%s) - ${back%.*} < 300 )) ||
        fail "not delivered 300 s after the server came back: $(q "SELECT status, count(*) FROM outbox GROUP BY status")"
    sleep 0.2
done
took=$(python3 -c "import time; print(f'{time.time() - $back:.1f}')")
failed_after=$(tail -n "+$((log_lines_at_back + 1))" daemon.log | grep -c 'not reachable' || true)
echo "server back: $failed_after failed tries after it answered again; the $last_queued emails queued during the outage delivered in $took s (real)"
[ "$failed_after" -le 1 ] || fail "$failed_after tries failed after the server came back"

kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon did not exit cleanly after SIGTERM"
daemon_pid=''
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=''

# Each email sent once: the Message-IDs the server stored are the outbox's sent ones, plus at
# most the one in flight at the stop (still pending: on the fast clock the stop's 2 s grace for
# a send in flight is a few microseconds).
python3 - spendwatch.db srv/maildir/new <<'PY' || fail "delivered mail does not match the outbox"
import email, os, sqlite3, sys
db, maildir = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute("SELECT message_id, status FROM outbox").fetchall()
sent = {m for m, status in rows if status == "sent"}
pending = {m for m, status in rows if status == "pending"}
got = []
for name in os.listdir(maildir):
    with open(os.path.join(maildir, name), "rb") as f:
        got.append(email.message_from_binary_file(f)["Message-ID"])
dupes = len(got) - len(set(got))
in_flight = set(got) - sent
print(f"on the server: {len(got)} messages, {dupes} delivered twice; outbox: {len(sent)} sent, "
      f"{len(in_flight)} in flight at the stop")
sys.exit(0 if dupes == 0 and sent <= set(got) and in_flight <= pending and len(in_flight) <= 1 else 1)
PY
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(q 'PRAGMA integrity_check')"
echo "mail outage: ok"
