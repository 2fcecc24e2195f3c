#!/usr/bin/env bash
# nasbench query / stats / top on a database the test makes itself: every
# module of up to 5 vertices (nasbench generate) with made-up runs
# (tests/cli/query_fixture.sql). Values are checked against the database
# through SQL, seeded repeats against CPython's random.seed sequence.
set -euo pipefail
NB=$1 SRC=$2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
DB=$W/q.db
"$NB" generate --max-vertices 5 --db "$DB" 2>/dev/null >/dev/null
sqlite3 "$DB" < "$SRC/tests/cli/query_fixture.sql"

fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" == "$2" ] || fail "$3: got [$1], want [$2]"; }
status() { set +e; "$@" >"$W/out" 2>"$W/err"; echo $?; set -e; }

H2=043721b9c7fe8c5fad811d47d83132ec   # input -> output
CHAIN='[[0,1,0],[0,0,1],[0,0,0]]'      # input -> conv3x3 -> output
HCHAIN=b49ac8c578b4561d79ac7087988f1c61

# --help on each command.
for c in query stats top; do
  "$NB" $c --help | grep -q "^usage: nasbench $c" || fail "$c --help"
done

# One query: the JSON keys in order, values equal to the stored run.
OUT=$("$NB" query "$DB" --matrix 0100 --ops input,output --repeat 2)
KEYS=$(echo "$OUT" | grep -o '"[a-z_]*":' | tr -d '":\n')
eq "$KEYS" "module_adjacencymodule_operationstrainable_parameterstraining_timetrain_accuracyvalidation_accuracytest_accuracyrepeathash" "query keys"
echo "$OUT" | grep -q '"module_adjacency": \[\[0, 1\], \[0, 0\]\], "module_operations": \["input", "output"\]' \
  || fail "canonical spec: $OUT"
SAME=$(sqlite3 "$DB" "SELECT count(*) FROM run_metrics WHERE hash = '$H2' AND epochs = 108 AND repeat = 2
  AND final_training_time = json_extract('$OUT', '\$.training_time')
  AND final_train_accuracy = json_extract('$OUT', '\$.train_accuracy')
  AND final_validation_accuracy = json_extract('$OUT', '\$.validation_accuracy')
  AND final_test_accuracy = json_extract('$OUT', '\$.test_accuracy')
  AND trainable_parameters = json_extract('$OUT', '\$.trainable_parameters')")
eq "$SAME" 1 "query values equal the stored run"

# stop_halfway reads checkpoint 1 and counts epochs // 2.
OUT=$("$NB" query "$DB" --hash $HCHAIN --epochs 4 --stop-halfway --repeat 0 --counters)
SAME=$(sqlite3 "$DB" "SELECT halfway_validation_accuracy = json_extract('$(echo "$OUT" | head -1)', '\$.validation_accuracy')
  FROM run_metrics WHERE hash = '$HCHAIN' AND epochs = 4 AND repeat = 0")
eq "$SAME" 1 "halfway value"
echo "$OUT" | tail -1 | grep -q '"total_epochs_spent": 2}$' || fail "halfway epochs: $OUT"

# Seeded random repeats follow CPython: seed 0 -> 1,1,0,1,2,1; seed 42 -> 2,0,0,2,1,0.
for i in 1 2 3 4 5 6; do echo "{\"matrix\": \"$CHAIN\", \"ops\": \"input,conv3x3-bn-relu,output\"}"; done > "$W/six.jsonl"
sed -i 's/"\[\[0,1,0\],\[0,0,1\],\[0,0,0\]\]"/[[0,1,0],[0,0,1],[0,0,0]]/' "$W/six.jsonl"
R=$("$NB" query "$DB" --jsonl --seed 0 < "$W/six.jsonl" | grep -o '"repeat": [0-9]' | tr -dc '0-9')
eq "$R" 110121 "seed 0 repeats"
R=$("$NB" query "$DB" --jsonl --seed 42 < "$W/six.jsonl" | grep -o '"repeat": [0-9]' | tr -dc '0-9')
eq "$R" 200210 "seed 42 repeats"

# Budget counters: the sum of the returned times, 108 per query.
OUT=$("$NB" query "$DB" --jsonl --seed 0 --counters < "$W/six.jsonl")
SUM=$(echo "$OUT" | head -6 | sed 's/.*"training_time": \([^,]*\),.*/\1/' | paste -sd+ | sed 's/^/SELECT /' | sqlite3 :memory:)
T=$(echo "$OUT" | tail -1 | sed 's/.*"training_time_spent": \([^,]*\),.*/\1/')
eq "$(sqlite3 :memory: "SELECT $T = $SUM")" 1 "counter time = sum of times"
echo "$OUT" | tail -1 | grep -q '"total_epochs_spent": 648}$' || fail "counter epochs"

# --mean: the mean over the 3 repeats.
OUT=$("$NB" query "$DB" --hash $H2 --mean)
echo "$OUT" | grep -q '"repeat": "mean", "num_repeats": 3' || fail "mean: $OUT"
SAME=$(sqlite3 "$DB" "SELECT abs(mean_final_validation_accuracy - json_extract('$OUT', '\$.validation_accuracy')) < 1e-15
  FROM module_stats WHERE hash = '$H2' AND epochs = 108")
eq "$SAME" 1 "mean value"

# Errors: exit status and one line, in the original's order.
eq "$(status "$NB" query "$DB" --hash $H2 --epochs 12)" 5 "bad budget status"
eq "$(cat "$W/err")" "nasbench query: invalid number of epochs, must be one of {4, 108}" "bad budget message"
eq "$(status "$NB" query "$DB" --matrix 0000 --ops input,output --epochs 12)" 5 "budget before spec"
grep -q "invalid number of epochs" "$W/err" || fail "budget checked first"
eq "$(status "$NB" query "$DB" --matrix 0000 --ops input,output)" 5 "disconnected"
eq "$(cat "$W/err")" "nasbench query: invalid spec, provided graph is disconnected." "disconnected message"
eq "$(status "$NB" query "$DB" --matrix 0110 --ops input,output)" 4 "not upper triangular"
eq "$(status "$NB" query "$DB" --matrix '[[0,1' --ops input,output)" 3 "malformed"
eq "$(status "$NB" query "$DB" --hash ffffffffffffffffffffffffffffffff)" 6 "unknown hash"
eq "$(status "$NB" query "$DB" --hash abc)" 3 "short hash"
eq "$(status "$NB" stats "$DB" --hash abc)" 3 "stats short hash"
eq "$(status "$NB" query "$DB" --hash $H2 --repeat 3)" 6 "missing repeat"
eq "$(status "$NB" query "$DB" --hash $H2 --repeat 1 --mean)" 2 "repeat and mean"
eq "$(status "$NB" query "$DB")" 2 "no spec"
eq "$(status "$NB" query "$W/missing.db" --hash $H2)" 8 "missing database"
[ ! -e "$W/missing.db" ] || fail "query created a database"

# --jsonl: bad lines give error objects and the batch goes on.
printf '%s\n' '{"hash": "'$H2'"}' 'not json' '{"matrix": "0000", "ops": "input,output"}' \
  '{"hash": "ffffffffffffffffffffffffffffffff"}' '{"ops": "input,output"}' '' \
  '{"matrix": [[0,1],[0,0]], "ops": ["input","output"]}' > "$W/mixed.jsonl"
eq "$(status "$NB" query "$DB" --jsonl --repeat 0 < "$W/mixed.jsonl")" 3 "jsonl status = first failure"
eq "$(wc -l < "$W/out")" 7 "one output line per input line"
eq "$(grep -c '"hash": "'$H2'"}$' "$W/out")" 2 "good lines"
eq "$(sed -n 2p "$W/out" | sed 's/"error": "[^"]*"/E/')" '{E, "code": 3, "line": 2}' "bad JSON line"
eq "$(sed -n 3p "$W/out")" '{"error": "invalid spec, provided graph is disconnected.", "code": 5, "line": 3}' "domain line"
eq "$(sed -n 4p "$W/out" | grep -o '"code": 6')" '"code": 6' "not-found line"

# Batches are resolved in blocks of 256 lines: answers stay in input order
# across blocks, and a bad budget still comes before a bad spec.
for i in $(seq 1 600); do
  case $i in
    256|257|513) echo '{"matrix": "0000", "ops": "input,output"}' ;;
    *) if [ $((i % 2)) = 0 ]; then echo "{\"hash\": \"$H2\"}"; else echo "{\"matrix\": \"010001000\", \"ops\": \"input,conv3x3-bn-relu,output\"}"; fi ;;
  esac
done > "$W/big.jsonl"
"$NB" query "$DB" --jsonl --repeat 0 < "$W/big.jsonl" > "$W/big.out" || true
eq "$(wc -l < "$W/big.out")" 600 "600 answers"
eq "$(grep -n '"error"' "$W/big.out" | cut -d: -f1 | paste -sd,)" "256,257,513" "error lines in place"
eq "$(sed -n 513p "$W/big.out" | grep -o '"line": [0-9]*')" '"line": 513' "line number across blocks"
eq "$(sed -n 600p "$W/big.out" | grep -o '"hash": "[0-9a-f]*"')" "\"hash\": \"$H2\"" "last answer"
eq "$(sed -n 599p "$W/big.out" | grep -o '"hash": "[0-9a-f]*"')" "\"hash\": \"$HCHAIN\"" "spec answer"
"$NB" query "$DB" --jsonl --epochs 36 < "$W/big.jsonl" > "$W/big36.out" || true
eq "$(grep -c 'invalid number of epochs, must be one of {4, 108}' "$W/big36.out")" 600 "budget error on every line"

# stats: fixed and computed, repeats in stored order, budgets ascending.
OUT=$("$NB" stats "$DB" --matrix "$CHAIN" --ops input,conv3x3-bn-relu,output)
echo "$OUT" | grep -q "^{\"hash\": \"$HCHAIN\", \"fixed\": {\"module_adjacency\": \[\[0, 1, 0\], \[0, 0, 1\], \[0, 0, 0\]\], \"module_operations\": \[\"input\", \"conv3x3-bn-relu\", \"output\"\], \"trainable_parameters\": [0-9]*}, \"computed\": {\"4\": \[{" \
  || fail "stats shape: $OUT"
eq "$(echo "$OUT" | grep -o '"final_test_accuracy"' | wc -l)" 6 "stats data points"
for r in 0 1 2; do
  SAME=$(sqlite3 "$DB" "SELECT final_test_accuracy = json_extract('$OUT', '\$.computed.108[$r].final_test_accuracy')
    AND halfway_training_time = json_extract('$OUT', '\$.computed.108[$r].halfway_training_time')
    FROM run_metrics WHERE hash = '$HCHAIN' AND epochs = 108 AND repeat = $r")
  eq "$SAME" 1 "stats repeat $r"
done
eq "$("$NB" stats "$DB" --hash $HCHAIN)" "$OUT" "stats by hash = by spec"
eq "$(status "$NB" stats "$DB" --hash 00000000000000000000000000000000)" 6 "stats not found"
printf '%s\n' '{"hash": "'$H2'"}' '{"hash": "zz"}' | "$NB" stats "$DB" --jsonl > "$W/s.out" || true
eq "$(wc -l < "$W/s.out")" 2 "stats jsonl lines"
grep -q '"code": 3, "line": 2}' "$W/s.out" || fail "stats jsonl error line"

# top: the same order as SQL gives.
TOP=$("$NB" top "$DB" --by final_validation_accuracy --mean -n 5 | sed 's/.*"hash": "\([0-9a-f]*\)".*/\1/' | paste -sd,)
SQL=$(sqlite3 "$DB" "SELECT hash FROM module_stats WHERE epochs = 108
  ORDER BY mean_final_validation_accuracy DESC, hash LIMIT 5" | paste -sd,)
eq "$TOP" "$SQL" "top --mean order"
TOP=$("$NB" top "$DB" --by final_test_accuracy --epochs 4 --ascending -n 3 --max-vertices 4 | sed 's/.*"hash": "\([0-9a-f]*\)", "repeat": \([0-9]\).*/\1:\2/' | paste -sd,)
SQL=$(sqlite3 "$DB" "SELECT hash || ':' || repeat FROM run_metrics rm JOIN modules m USING (hash)
  WHERE epochs = 4 AND m.num_vertices <= 4 ORDER BY final_test_accuracy, hash, repeat LIMIT 3" | paste -sd,)
eq "$TOP" "$SQL" "top ascending with filter"
eq "$("$NB" top "$DB" --count --min-vertices 5)" '{"modules": 2441}' "count of 5-vertex modules"
eq "$("$NB" top "$DB" --count --max-params 0)" '{"modules": 0}' "count with a parameter bound"
eq "$(status "$NB" top "$DB" --by 'final_test_accuracy;DROP TABLE runs')" 2 "unknown metric"
eq "$(status "$NB" top "$DB" --by final_test_accuracy --epochs 36)" 5 "top bad budget"
eq "$(sqlite3 "$DB" 'SELECT count(*) FROM runs')" 15192 "database untouched"
echo ok
