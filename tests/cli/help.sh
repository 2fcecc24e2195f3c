#!/usr/bin/env bash
# Every program answers --help: each command `nasbench --help` lists prints
# its usage on stdout and exits 0, an unknown option exits 2 with a one-line
# message on stderr naming it; every benchmark program prints its usage and
# exits 0 instead of taking --help for a path or a number.
# usage: help.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
BUILD=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

cmds=$("$NB" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ "$(echo "$cmds" | wc -w)" -ge 12 ] || fail "nasbench --help lists too few commands: $cmds"
for c in $cmds; do
    out=$("$NB" "$c" --help) || fail "nasbench $c --help exits $?"
    echo "$out" | head -1 | grep -q "^usage: nasbench $c" || fail "nasbench $c --help: $(echo "$out" | head -1)"
    set +e
    err=$("$NB" "$c" --no-such-option 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "nasbench $c --no-such-option exits $rc, want 2"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "'--no-such-option'" ||
        fail "nasbench $c --no-such-option: want one line naming the option, got: $err"
done

n=0
for b in "$BUILD"/bench/bench_*; do
    name=$(basename "$b")
    out=$(timeout 10 "$b" --help) || fail "$name --help exits $?"
    echo "$out" | head -1 | grep -q "^usage: $name" || fail "$name --help: $(echo "$out" | head -1)"
    n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "found $n benchmark programs under $BUILD/bench"
echo "help: $(echo "$cmds" | wc -w) commands, $n benchmarks"
