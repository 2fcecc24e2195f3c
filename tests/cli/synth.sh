#!/usr/bin/env bash
# nasbench synth: output summary, the record layout of the original files,
# determinism, subsets, zstd, usage and I/O errors.
# usage: synth.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# --help: exit 0, says the numbers are synthetic.
"$NB" synth --help > help.txt
grep -q "THE NUMBERS ARE SYNTHETIC" help.txt || fail "--help does not say SYNTHETIC"

# Small space (modules of at most 5 vertices), 2 modules x 2 budgets x 2 repeats.
out=$("$NB" synth a.tfrecord --max-vertices 5 --modules 2 --budgets 4,108 --repeats 2 --seed 9)
[ "$out" = '{"file": "a.tfrecord", "records": 8, "modules": 2, "synthetic": true}' ] \
  || fail "summary: $out"
[ ! -e a.tfrecord.partial ] || fail "partial file left behind"

# Determinism, and a subset is a prefix of the larger file.
"$NB" synth b.tfrecord --max-vertices 5 --modules 2 --budgets 4,108 --repeats 2 --seed 9 > /dev/null
cmp a.tfrecord b.tfrecord || fail "same seed, different bytes"
"$NB" synth c.tfrecord --max-vertices 5 --modules 1 --budgets 4,108 --repeats 2 --seed 9 > /dev/null
size_c=$(stat -c %s c.tfrecord)
cmp -n "$size_c" a.tfrecord c.tfrecord || fail "subset is not a prefix"
"$NB" synth d.tfrecord --max-vertices 5 --modules 2 --budgets 4,108 --repeats 2 --seed 10 > /dev/null
! cmp -s a.tfrecord d.tfrecord || fail "another seed gave the same bytes"

# zstd output decompresses to the plain file.
"$NB" synth a.tfrecord.zst --max-vertices 5 --modules 2 --budgets 4,108 --repeats 2 --seed 9 > /dev/null
[ "$(head -c 4 a.tfrecord.zst | od -An -tx1 | tr -d ' ')" = "28b52ffd" ] || fail "not zstd"
if command -v zstd > /dev/null; then
  zstd -q -d -c a.tfrecord.zst | cmp - a.tfrecord || fail "zstd stream differs"
fi

# Usage errors exit 2, I/O errors exit 8 and leave nothing behind.
set +e
"$NB" synth > /dev/null 2>&1; [ $? -eq 2 ] || fail "no output: exit status"
"$NB" synth x.tfrecord --budgets 108,4 > /dev/null 2>&1; [ $? -eq 2 ] || fail "budgets order"
"$NB" synth x.tfrecord --repeats 0 > /dev/null 2>&1; [ $? -eq 2 ] || fail "repeats 0"
"$NB" synth x.tfrecord --modules abc > /dev/null 2>&1; [ $? -eq 2 ] || fail "modules abc"
"$NB" synth x.tfrecord --max-vertices 8 > /dev/null 2>&1; [ $? -eq 2 ] || fail "max-vertices 8"
"$NB" synth nodir/x.tfrecord --max-vertices 3 2> err.txt > /dev/null; rc=$?
set -e
[ $rc -eq 8 ] || fail "unwritable output: exit $rc"
grep -q "^nasbench synth: nodir/x.tfrecord.partial: cannot create" err.txt || fail "message: $(cat err.txt)"
[ ! -e x.tfrecord ] || fail "x.tfrecord created"

# The whole space: the first record is the first record of the real files
# (reference 1.7: hash, canonical adjacency and ops; 349-byte payload there,
# synthetic metrics here).
"$NB" synth first.tfrecord --modules 1 --budgets 108 --repeats 1 > /dev/null
prefix='["00005c142e6f48ac74fdcf73e3439874", 108, "0100110001000000010010000010000001000000010000000", "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output", "'
got=$(tail -c +13 first.tfrecord | head -c ${#prefix})
[ "$got" = "$prefix" ] || fail "first record: $got"
echo "synth: ok"
