# shellcheck shell=bash
# The peer tools' commands, exactly as in the peer baseline that came with the project
# (shared bench/peers/peers_lib.sh): each prints cumulative spend per fund as of the four
# milestones and ASOF. Sourced by city-scale.sh.
export LANG=C.UTF-8 LC_ALL=C.UTF-8   # hledger (GHC) needs a UTF-8 locale for the Chinese memos
MILESTONES="2025-03-31 2025-06-30 2025-10-31 2025-12-31"
next_day() { date -u -d "$1 + 1 day" +%F; }

hledger_asof() {
  hledger -f "$1/hledger.journal" bal '^Expenses:Fund' -e "$(next_day "$2")" -O csv
}
hledger_answer() {   # 2 processes: monthly historical report + as-of
  hledger -f "$1/hledger.journal" bal '^Expenses:Fund' -M -H -b 2025-01-01 -e 2026-01-01 -O csv
  hledger_asof "$1" "$2"
}
ledger_asof() {
  ledger -f "$1/ledger.ledger" bal '^Expenses:Fund' -e "$(next_day "$2" | tr - /)" \
    --flat --no-total -F '%(account)\t%(quantity(display_total))\n'
}
ledger_answer() {    # 5 processes, one per date
  local d
  for d in $MILESTONES "$2"; do ledger_asof "$1" "$d"; done
}
sqlite_import() {
  rm -f "$1/spend.db"
  sqlite3 "$1/spend.db" \
    "PRAGMA temp_store=MEMORY" \
    "CREATE TEMP TABLE stage(date TEXT, fund TEXT, voucher TEXT, amount TEXT, memo TEXT)" \
    ".import --csv --skip 1 $1/ledger.csv stage" \
    "CREATE TABLE ledger(date TEXT NOT NULL, fund TEXT NOT NULL, voucher TEXT NOT NULL, cents INTEGER NOT NULL, memo TEXT)" \
    "INSERT INTO ledger SELECT date, fund, voucher, CAST(round(amount*100) AS INTEGER), memo FROM stage" \
    "CREATE INDEX ledger_fund_date ON ledger(fund, date, cents)"
}
sqlite_query() {
  sqlite3 -tabs "$1/spend.db" "
SELECT fund,
       printf('%d.%02d', s1/100, s1%100), printf('%d.%02d', s2/100, s2%100),
       printf('%d.%02d', s3/100, s3%100), printf('%d.%02d', s4/100, s4%100),
       printf('%d.%02d', s5/100, s5%100)
FROM (SELECT fund,
        sum(CASE WHEN date <= '2025-03-31' THEN cents ELSE 0 END) AS s1,
        sum(CASE WHEN date <= '2025-06-30' THEN cents ELSE 0 END) AS s2,
        sum(CASE WHEN date <= '2025-10-31' THEN cents ELSE 0 END) AS s3,
        sum(CASE WHEN date <= '2025-12-31' THEN cents ELSE 0 END) AS s4,
        sum(CASE WHEN date <= '$2' THEN cents ELSE 0 END) AS s5
      FROM ledger GROUP BY fund)
ORDER BY fund"
}
