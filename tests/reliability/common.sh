# Shared by the reliability scripts (sourced): what an export holds, and what is in force.

# Count and sum (分) of the CSV export $1 (a generated ledger: an `amount` column), as
# spendwatch must hold it: "count|sum".
totals() {
    python3 - "$1" <<'PY'
import csv, sys
n = s = 0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        whole, _, frac = row["amount"].partition(".")
        sign = -1 if whole.startswith("-") else 1
        s += sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))
        n += 1
print(f"{n}|{s}")
PY
}

# The SQL for count and sum (分) of the entries in force, in the form of `totals`.
IN_FORCE='SELECT count(*) || "|" || coalesce(sum(amount), 0) FROM entries'
