#!/usr/bin/env bash
# The C counterpart of example.py (examples/example.c), built by CMake, run on
# a database the test makes itself and, when present, on the real sample.
set -euo pipefail
NB=$1 SRC=$2 SHARED=$3 BUILD=$4
EX=$BUILD/examples/nasbench_example
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" == "$2" ] || fail "$3: got [$1], want [$2]"; }
[ -x "$EX" ] || fail "$EX not built"

DB=$W/q.db
"$NB" generate --max-vertices 5 --db "$DB" >/dev/null 2>&1
sqlite3 "$DB" < "$SRC/tests/cli/query_fixture.sql"
OUT=$("$EX" "$DB" 0)
echo "$OUT" | grep -q '^  not in this database (module 28cfc7874f6d200472e1a9dcd8650aa0 is not in the database)$' \
  || fail "Inception cell absent from a 5-vertex database"
echo "$OUT" | grep -q '^  2532 modules in all$' || fail "hash iteration"
eq "$(echo "$OUT" | grep '^  [0-9a-f]\{32\}:' | cut -c3-34 | paste -sd,)" \
   "$(sqlite3 "$DB" 'SELECT hash FROM modules ORDER BY hash LIMIT 3' | paste -sd,)" "first hashes"
# Seed 0 draws 1,1,0,1,2,1,1,1,1,1 (CPython) for the 10 search queries here,
# since the Inception query failed and drew nothing.
WANT=$(sqlite3 "$DB" "WITH h AS (SELECT hash, row_number() OVER (ORDER BY hash) AS i FROM modules ORDER BY hash LIMIT 10),
  d(i, r) AS (VALUES (1,1),(2,1),(3,0),(4,1),(5,2),(6,1),(7,1),(8,1),(9,1),(10,1))
  SELECT sum(rm.final_training_time) FROM h JOIN d USING (i)
  JOIN run_metrics rm ON rm.hash = h.hash AND rm.epochs = 108 AND rm.repeat = d.r")
GOT=$(echo "$OUT" | sed -n 's/^Budget counters: training_time_spent \([^,]*\), total_epochs_spent 1080$/\1/p')
[ -n "$GOT" ] || fail "counters line: $OUT"
eq "$(sqlite3 :memory: "SELECT $GOT = $WANT")" 1 "counters = sum of the drawn repeats"
echo "$OUT" | grep -q '^After reset: 0, 0$' || fail "reset"

SAMPLE=$SHARED/realdata/nb101_real_sample.tfrecord
if [ -f "$SAMPLE" ]; then
  "$NB" convert "$W/real.db" "$SAMPLE" >/dev/null
  OUT=$("$EX" "$W/real.db" 0)
  echo "$OUT" | grep -q '^Query result (repeat 1 of 3):$' || fail "seed 0 draws repeat 1"
  echo "$OUT" | grep -q '"trainable_parameters": 2694282, "training_time": 1157.675048828125, "train_accuracy": 1.0, "validation_accuracy": 0.9378004670143127, "test_accuracy": 0.932692289352417, "repeat": 1, "hash": "28cfc7874f6d200472e1a9dcd8650aa0"}$' \
    || fail "real Inception query: $OUT"
  echo "$OUT" | grep -q '^  32 modules in all$' || fail "32 real modules"
  echo "$OUT" | grep -q '"final_training_time": 1155.85302734375, "final_train_accuracy": 1.0, "final_validation_accuracy": 0.9376001358032227, "final_test_accuracy": 0.9311898946762085}' \
    || fail "real computed statistics"
fi
echo ok
