#!/usr/bin/env bash
# Integration test of `nasbench train`: usage, bad data, a tiny training on
# synthetic CIFAR-10 files, reruns, the time cap, diverging runs retried and
# skipped, SIGINT and kill -9 with --resume.
# usage: train.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
WORK=$(mktemp -d)
BG=
trap '[[ -n $BG ]] && kill -9 $BG 2>/dev/null; rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { sqlite3 "$1" "$2"; }

# Synthetic CIFAR-10 binary files: N rows of label + 3x1024 bytes; class c is
# a colour (base-3 digits of c pick a level per channel) plus noise.
make_data() {
    python3 - "$1" "$2" <<'EOF'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
lv = (30, 128, 225)
for k, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                          "data_batch_5", "test_batch"]):
    rnd = random.Random(k)
    out = bytearray()
    for i in range(n):
        c = (i * 7 + k) % 10
        out.append(c)
        for dg in (c // 9 % 3, c // 3 % 3, c % 3):
            out += bytes(min(255, max(0, lv[dg] + rnd.randint(-25, 25))) for _ in range(1024))
    open(os.path.join(d, name + ".bin"), "wb").write(out)
EOF
}
make_data "$WORK/data" 100
TINY=(--data "$WORK/data" --stem-channels 8 --stacks 1 --modules-per-stack 1 --batch-size 20
      --train-images 100 --eval-images 100 --threads 1 --bn-momentum 0.9)
SPEC=(--matrix '[[0,1,0],[0,0,1],[0,0,0]]' --ops input,conv1x1-bn-relu,output)
HASH=d1269d9156ddc027c40473008192958a

# --help on stdout, status 0; usage errors status 2
"$NB" train --help >"$WORK/help"
grep -q -- '--all-missing' "$WORK/help" || fail "help lacks --all-missing"
set +e
"$NB" train "$WORK/u.db" --epochs 4 --data "$WORK/data" 2>"$WORK/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "no target: exit $rc"
grep -q 'say what to train' "$WORK/err" || fail "no target message"
set +e
"$NB" train "$WORK/u.db" "${SPEC[@]}" --data "$WORK/data" 2>/dev/null; rc=$?
set -e
[[ $rc == 2 ]] || fail "no epochs: exit $rc"

# bad data: a missing directory (I/O, 8) and a truncated file (corrupt, 7),
# each named, and nothing written
set +e
"$NB" train "$WORK/bad.db" "${SPEC[@]}" --epochs 4 "${TINY[@]}" --data "$WORK/nowhere" 2>"$WORK/err"; rc=$?
set -e
[[ $rc == 8 ]] || fail "missing data: exit $rc"
grep -q 'nowhere/data_batch_1.bin' "$WORK/err" || fail "missing data message: $(cat "$WORK/err")"
cp -r "$WORK/data" "$WORK/short"
head -c 5000 "$WORK/data/data_batch_5.bin" >"$WORK/short/data_batch_5.bin"
set +e
"$NB" train "$WORK/bad.db" "${SPEC[@]}" --epochs 4 "${TINY[@]}" --data "$WORK/short" 2>"$WORK/err"; rc=$?
set -e
[[ $rc == 7 ]] || fail "truncated data: exit $rc"
grep -q 'short/data_batch_5.bin: truncated' "$WORK/err" || fail "truncated message: $(cat "$WORK/err")"
[[ $(count "$WORK/bad.db" "SELECT count(*) FROM runs") == 0 ]] || fail "runs after bad data"

# two repeats of one module: two JSON lines, repeats 0 and 1, 6 evaluations
"$NB" train "$WORK/t.db" "${SPEC[@]}" --epochs 4 --repeats 2 "${TINY[@]}" >"$WORK/out" 2>/dev/null
[[ $(wc -l <"$WORK/out") == 2 ]] || fail "want 2 result lines"
grep -q "^{\"hash\": \"$HASH\", \"epochs\": 4, \"repeat\": 0, \"run_id\": 1, \"unit_repeat\": 1," "$WORK/out" \
    || fail "first result line: $(head -1 "$WORK/out")"
[[ $(count "$WORK/t.db" "SELECT group_concat(repeat) FROM (SELECT repeat FROM run_metrics
     WHERE hash = '$HASH' AND epochs = 4 AND source_kind = 'trainer' ORDER BY repeat)") == "0,1" ]] \
    || fail "repeats in run_metrics"
[[ $(count "$WORK/t.db" "SELECT count(*) FROM evaluations") == 6 ]] || fail "evaluations"
[[ $(count "$WORK/t.db" "SELECT count(*) FROM sources WHERE kind = 'trainer'
     AND json_extract(config, '$.config.batch_size') = 20") == 2 ]] || fail "trainer sources"
# the same command again adds nothing; a third repeat only the new unit
"$NB" train "$WORK/t.db" "${SPEC[@]}" --epochs 4 --repeats 2 "${TINY[@]}" >"$WORK/out" 2>/dev/null
[[ ! -s "$WORK/out" ]] || fail "rerun trained again"
"$NB" train "$WORK/t.db" --hash $HASH --epochs 4 --repeats 3 "${TINY[@]}" >"$WORK/out" 2>/dev/null
grep -q '"repeat": 2, "run_id": 3, "unit_repeat": 3' "$WORK/out" || fail "third repeat: $(cat "$WORK/out")"
[[ ! -e "$WORK/t.db.ckpt/"*.ckpt ]] || fail "checkpoint left behind"

# the new flags: bad values are usage errors, --help describes them
grep -q -- '--max-train-seconds' "$WORK/help" || fail "help lacks --max-train-seconds"
grep -q -- '--max-attempts' "$WORK/help" || fail "help lacks --max-attempts"
for bad in "--max-attempts 0" "--max-attempts x" "--max-train-seconds -1" "--max-train-seconds 1s"; do
    set +e
    # shellcheck disable=SC2086 # flag and value split on purpose
    "$NB" train "$WORK/u.db" "${SPEC[@]}" --epochs 4 "${TINY[@]}" $bad 2>"$WORK/err"; rc=$?
    set -e
    [[ $rc == 2 ]] || fail "$bad: exit $rc"
done

# the time cap: training stops after the step that passes it, the evaluations
# still due are made there (epoch 1 x 20 / 100 = 0.2), the run is written
"$NB" train "$WORK/cap.db" "${SPEC[@]}" --epochs 4 "${TINY[@]}" --max-train-seconds 0.000001 \
    >"$WORK/out" 2>/dev/null
grep -q '"attempt": 1, .*"stopped_early": true, "steps": 1,' "$WORK/out" \
    || fail "capped result line: $(cat "$WORK/out")"
[[ $(count "$WORK/cap.db" "SELECT group_concat(current_epoch) FROM (SELECT current_epoch
     FROM evaluations ORDER BY checkpoint)") == "0.0,0.2,0.2" ]] || fail "capped evaluations"
[[ $(count "$WORK/cap.db" "SELECT json_extract(config, '$.stopped_early') || ' ' ||
     json_extract(config, '$.config.max_train_seconds') FROM sources") == "1 1.0e-06" ]] \
    || fail "capped provenance: $(count "$WORK/cap.db" "SELECT config FROM sources")"

# a diverging run (absurd learning rate): each unit is tried --max-attempts
# times, reported, skipped; the job goes on to the next unit and exits 1;
# the database is left exactly as it was
cp "$WORK/t.db" "$WORK/div.db"
before=$(sqlite3 "$WORK/div.db" .dump | md5sum)
printf '%s\n' '{"matrix": [[0,1,0],[0,0,1],[0,0,0]], "ops": ["input","conv1x1-bn-relu","output"]}' \
    '{"matrix": [[0,1,0],[0,0,1],[0,0,0]], "ops": ["input","maxpool3x3","output"]}' >"$WORK/two.jsonl"
set +e
"$NB" train "$WORK/div.db" --specs "$WORK/two.jsonl" --epochs 4 "${TINY[@]}" --learning-rate 1e30 \
    --max-attempts 2 >"$WORK/out" 2>"$WORK/err"; rc=$?
set -e
[[ $rc == 1 ]] || fail "diverging units: exit $rc ($(cat "$WORK/err"))"
[[ $(grep -c '"unit_repeat": 1, "skipped": true, "attempts": 2, "code": 1, "error": "training diverged' \
     "$WORK/out") == 2 ]] || fail "skip lines on stdout: $(cat "$WORK/out")"
[[ $(grep -c "^nasbench train: module [0-9a-f]\{32\}, 4 epochs, unit repeat 1: attempt 1 of 2 failed" \
     "$WORK/err") == 2 ]] || fail "retry lines: $(cat "$WORK/err")"
skipped="^nasbench train: skipped module [0-9a-f]\{32\}, 4 epochs, unit repeat 1"
skipped+=" after 2 failed attempts; last (seed [0-9]*): training diverged"
[[ $(grep -c "$skipped" "$WORK/err") == 2 ]] || fail "skip lines on stderr: $(cat "$WORK/err")"
grep -q "^nasbench train: 2 of 2 work units skipped" "$WORK/err" || fail "summary: $(cat "$WORK/err")"
[[ $(sqlite3 "$WORK/div.db" .dump | md5sum) == "$before" ]] || fail "a skipped unit changed the database"
! compgen -G "$WORK/div.db.ckpt/*.ckpt" >/dev/null || fail "checkpoint of a skipped unit left"

# into a converted dataset: the new run continues its numbering (repeat 3)
# and every view tells it apart from the dataset's runs
"$NB" synth "$WORK/s.tfrecord" --modules 1 --budgets 4 --max-vertices 3 >/dev/null 2>&1
"$NB" convert "$WORK/c.db" "$WORK/s.tfrecord" >/dev/null 2>&1
H0=043721b9c7fe8c5fad811d47d83132ec # input -> output, the smallest hash of V <= 3
"$NB" train "$WORK/c.db" --hash $H0 --epochs 4 "${TINY[@]}" --stem-channels 4 >"$WORK/out" 2>/dev/null
grep -q "\"repeat\": 3," "$WORK/out" || fail "repeat after the dataset's: $(cat "$WORK/out")"
[[ $(count "$WORK/c.db" "SELECT group_concat(source_kind || repeat) FROM (SELECT source_kind, repeat
     FROM run_metrics WHERE hash = '$H0' ORDER BY repeat)") == "tfrecord0,tfrecord1,tfrecord2,trainer3" ]] \
    || fail "run_metrics source_kind"
[[ $(count "$WORK/c.db" "SELECT group_concat(source_kind || repeats) FROM (SELECT source_kind, repeats
     FROM module_stats WHERE hash = '$H0' ORDER BY source_kind)") == "dataset3,trainer1" ]] \
    || fail "module_stats source_kind"
[[ $(count "$WORK/c.db" "SELECT trainable_parameters FROM modules") == 882570 ]] || fail "module params"
# --all-missing: nothing at 4 epochs (the dataset has runs), the module at 2
"$NB" train "$WORK/c.db" --all-missing --epochs 4 "${TINY[@]}" --stem-channels 4 >"$WORK/out" 2>/dev/null
[[ ! -s "$WORK/out" ]] || fail "--all-missing trained a module with runs"
"$NB" train "$WORK/c.db" --all-missing --epochs 2 "${TINY[@]}" --stem-channels 4 >"$WORK/out" 2>/dev/null
grep -q "^{\"hash\": \"$H0\", \"epochs\": 2, \"repeat\": 0," "$WORK/out" || fail "--all-missing at 2"

# a long run (200 steps) stopped by a signal once its first checkpoint exists
LONG=(--epochs 40 "${TINY[@]}")
start_long() {
    "$NB" train "$1" "${SPEC[@]}" "${LONG[@]}" --checkpoint-steps 1 >"$WORK/long.out" \
        2>"$WORK/long.err" &
    BG=$!
    for _ in $(seq 200); do
        compgen -G "$1.ckpt/*.ckpt" >/dev/null && return 0
        sleep 0.05
    done
    fail "no checkpoint appeared"
}
start_long "$WORK/int.db"
kill -INT $BG
set +e; wait $BG; rc=$?; set -e; BG=
[[ $rc == 11 ]] || fail "SIGINT: exit $rc ($(cat "$WORK/long.err"))"
grep -q 'interrupted at step' "$WORK/long.err" || fail "SIGINT message"
[[ $(count "$WORK/int.db" "SELECT count(*) FROM runs") == 0 ]] || fail "run after SIGINT"
"$NB" train "$WORK/int.db" "${SPEC[@]}" "${LONG[@]}" --resume >"$WORK/out" 2>/dev/null
[[ $(count "$WORK/int.db" "SELECT count(*) FROM runs") == 1 ]] || fail "resume after SIGINT"
[[ $(count "$WORK/int.db" "SELECT count(*) FROM evaluations") == 3 ]] || fail "evaluations after resume"

start_long "$WORK/kill.db"
kill -9 $BG
set +e; wait $BG 2>/dev/null; set -e; BG=
[[ $(count "$WORK/kill.db" "SELECT count(*) FROM runs") == 0 ]] || fail "part of a run after kill -9"
[[ $(count "$WORK/kill.db" "SELECT count(*) FROM evaluations") == 0 ]] || fail "evaluations after kill -9"
"$NB" train "$WORK/kill.db" "${SPEC[@]}" "${LONG[@]}" --resume >"$WORK/out" 2>/dev/null
[[ $(count "$WORK/kill.db" "SELECT count(*) FROM runs") == 1 ]] || fail "resume after kill -9"
# the resumed runs end exactly where an uninterrupted one does
a=$(count "$WORK/int.db" "SELECT final_test_accuracy || ' ' || halfway_validation_accuracy FROM run_metrics")
b=$(count "$WORK/kill.db" "SELECT final_test_accuracy || ' ' || halfway_validation_accuracy FROM run_metrics")
[[ "$a" == "$b" ]] || fail "resumed runs differ: $a / $b"
echo ok
