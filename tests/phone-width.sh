#!/usr/bin/env bash
# Renders the HTML of real alert emails in headless Chromium at a phone's widths and on a
# desktop, and fails if any page is wider than its window (sideways scrolling).
#
#   tests/phone-width.sh [OUT_DIR]    # needs chromium and python3; default OUT_DIR: a temp dir
#
# The emails: the sample data's checks on 2025-03-16 (two funds, 黄色预警) and, on a fresh
# database, 2026-01-01 (红色预警 and 已补齐 of two funds). Each is put in iframes 360, 375, 390
# and 900 px wide on a separate test page (the email itself carries no script), whose script
# writes each frame's document scrollWidth into the title; screenshots of the email at 375 and
# 900 px are left in OUT_DIR to look at.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out=${1:-$(mktemp -d)}
mkdir -p "$out"
cargo build --quiet --manifest-path "$repo/Cargo.toml"
bin="$repo/target/debug/spendwatch"
work=$(mktemp -d)
profile=$(mktemp -d)
trap 'rm -rf "$work" "$profile"' EXIT
cp "$repo/config.yaml" "$work/"
mkdir -p "$work/data"
cp -r "$repo/data/ledger" "$work/data/"
chromium_run() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@" 2>/dev/null
}
status=0
for day in 2025-03-16 2026-01-01; do
    rm -rf "$work/data/spendwatch.db"* "$work/data/outbox"
    (cd "$work" && "$bin" check --as-of "$day" >/dev/null 2>&1)
    html="$out/email-$day.html"
    python3 - "$work/data/outbox" "$html" <<'PY'
import email, glob, sys
from email import policy
for path in sorted(glob.glob(sys.argv[1] + '/*.eml')):
    msg = email.message_from_bytes(open(path, 'rb').read(), policy=policy.default)
    if 'finance@' in msg['To']:
        open(sys.argv[2], 'w').write(msg.get_body(('html',)).get_content())
        print(msg['Subject'])
        break
else:
    sys.exit('no email to finance in ' + sys.argv[1])
PY
    python3 - "$html" "$out/measure-$day.html" <<'PY'
import html, sys
mail = open(sys.argv[1]).read()
widths = [360, 375, 390, 900]
frames = ''.join(
    '<iframe id="f%d" style="width:%dpx;height:1400px;border:0" srcdoc="%s"></iframe>'
    % (w, w, html.escape(mail, quote=True)) for w in widths)
script = ("<script>window.addEventListener('load',()=>{let r=[];for(const w of %s){"
          "const d=document.getElementById('f'+w).contentDocument.documentElement;"
          "r.push(w+':'+d.scrollWidth);}document.title=r.join(' ');});</script>" % widths)
open(sys.argv[2], 'w').write('<!DOCTYPE html><html><head><title>-</title></head>'
                             '<body style="margin:0">' + frames + script + '</body></html>')
PY
    title=$(chromium_run --window-size=2000,1400 --virtual-time-budget=3000 --dump-dom \
        "file://$out/measure-$day.html" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p')
    echo "$day scrollWidth by window width: $title"
    for pair in $title; do
        if [ "${pair#*:}" -gt "${pair%%:*}" ]; then
            echo "  wider than its window at ${pair%%:*} px" >&2
            status=1
        fi
    done
    [ -n "$title" ] || { echo "  no measurement" >&2; status=1; }
    for w in 375 900; do
        chromium_run --window-size="$w,1400" --screenshot="$out/email-$day-$w.png" "file://$html" >/dev/null
    done
done
echo "screenshots in $out"
exit "$status"
