# Sourced by the paired benchmarks (startup.sh, idle.sh): the two builds they compare.
#
#   paired_builds WORK [OLD_BINARY [NEW_BINARY]]
#
# Sets B to NEW_BINARY, or this checkout's release build (built), and A to OLD_BINARY or
# nothing; each is copied into WORK, so that a rebuild during the run changes nothing.
paired_builds() {
  local work=$1
  shift
  if [ $# -ge 2 ]; then
    A=$(realpath "$1"); B=$(realpath "$2")
  else
    cargo build --release --locked --quiet
    B=$ROOT/target/release/spendwatch
    A=${1:+$(realpath "$1")}
  fi
  cp "$B" "$work/spendwatch.B"; B=$work/spendwatch.B
  if [ -n "${A:-}" ]; then cp "$A" "$work/spendwatch.A"; A=$work/spendwatch.A; fi
}
