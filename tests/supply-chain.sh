#!/usr/bin/env bash
# Supply-chain check: advisories (against an offline RustSec snapshot), licenses (the allow
# list in deny.toml), bans and sources, with cargo-deny, without network.
#
#   tests/supply-chain.sh [ADVISORY_DB]     # default: ../shared/advisory-db
#
# cargo-deny reads its database as a git checkout at /tmp/advdb/advisory-db-<hash of the
# default URL> (deny.toml's db-path); the snapshot is a plain copy, so it is committed there.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared/advisory-db}
[ -d "$src/crates" ] || { echo "no advisory database at $src" >&2; exit 1; }
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked --quiet
db=/tmp/advdb/advisory-db-3157b0e258782691
rm -rf "$db"
mkdir -p "$(dirname "$db")"
cp -r "$src" "$db"
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=spendwatch -c user.email=spendwatch@localhost commit -qm "RustSec snapshot"
cargo deny --offline check
