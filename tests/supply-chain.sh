#!/usr/bin/env bash
# Supply-chain check: advisories (against an offline RustSec snapshot), licenses (the allow
# list in deny.toml), bans and sources, with cargo-deny, without network.
#
#   tests/supply-chain.sh [ADVISORY_DB]     # default: ../shared/advisory-db
#
# cargo-deny reads its database as a git checkout at /tmp/advdb/advisory-db-<hash of the
# default URL> (deny.toml's db-path); the snapshot is a plain copy, so it is committed there.
# Where the snapshot is not beside the checkout, the current database is fetched once
# (`cargo deny fetch db`, network) and the check itself still runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared/advisory-db}
if ! command -v cargo-deny >/dev/null; then
    echo "cargo install cargo-deny (builds it: about 3 minutes)"
    cargo install cargo-deny --locked
fi
db=/tmp/advdb/advisory-db-3157b0e258782691
rm -rf "$db"
mkdir -p "$(dirname "$db")"
if [ -d "$src/crates" ]; then
    echo "advisories: the offline snapshot at $src"
    cp -r "$src" "$db"
    git -C "$db" init -q
    git -C "$db" add -A
    git -C "$db" -c user.name=spendwatch -c user.email=spendwatch@localhost commit -qm "RustSec snapshot"
else
    echo "advisories: no snapshot at $src; fetching the current RustSec database"
    cargo deny fetch db
fi
# cargo-deny runs `cargo metadata`, which needs the packages of every target (windows-sys,
# android_system_properties …), not only those a Linux build downloads; --offline forbids the
# download, so fetch them first (a no-op where they are cached).
echo "fetching the packages of every target (cargo fetch --locked)"
cargo fetch --locked --quiet
cargo deny --offline check
