#!/usr/bin/env bash
# Integration test of sharded training and `nasbench merge`: two workers
# take the units of --all-missing --shard I/2 from a base database, their
# databases merge into one, and merging again adds nothing.
# usage: merge.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$1" "$2"; }

python3 - "$WORK/data" 100 <<'EOF'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for k, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                          "data_batch_5", "test_batch"]):
    rnd = random.Random(k)
    out = bytearray()
    for i in range(n):
        out.append((i * 7 + k) % 10)
        out += bytes(rnd.randrange(256) for _ in range(3072))
    open(os.path.join(d, name + ".bin"), "wb").write(out)
EOF
TINY=(--data "$WORK/data" --stem-channels 4 --stacks 1 --modules-per-stack 1 --batch-size 20
      --train-images 100 --eval-images 100 --threads 1)

"$NB" merge --help | grep -qi 'idempotent' || fail "merge --help"
set +e
"$NB" merge "$WORK/x.db" 2>/dev/null; rc=$?
set -e
[[ $rc == 2 ]] || fail "merge without inputs: exit $rc"

# base: the three smallest modules, trained at 1 epoch (5 steps)
"$NB" generate --max-vertices 3 2>/dev/null | head -3 >"$WORK/specs.jsonl"
"$NB" train "$WORK/base.db" --specs "$WORK/specs.jsonl" --epochs 1 "${TINY[@]}" >/dev/null 2>&1
[[ $(q "$WORK/base.db" "SELECT count(*) FROM runs") == 3 ]] || fail "base runs"

# two workers: every module lacks 2-epoch runs; 3 modules x 2 repeats = 6 units
for i in 0 1; do
    "$NB" train "$WORK/shard_$i.db" --from "$WORK/base.db" --all-missing --epochs 2 --repeats 2 \
        --seed 5 --shard $i/2 "${TINY[@]}" >"$WORK/shard_$i.out" 2>/dev/null
    [[ $(wc -l <"$WORK/shard_$i.out") == 3 ]] || fail "shard $i trained $(wc -l <"$WORK/shard_$i.out")"
done
# units 0, 2, 4 = (m0, r1), (m2, r1), (m1, r2) and 1, 3, 5 = (m1, r1), (m0, r2), (m2, r2)
m=($(sed 's/.*"hash": "\([0-9a-f]*\)".*/\1/' "$WORK/specs.jsonl" | sort))
got0=$(sed 's/.*"hash": "\([0-9a-f]*\)".*"unit_repeat": \([0-9]*\),.*/\1\/\2/' "$WORK/shard_0.out" | tr '\n' ' ')
got1=$(sed 's/.*"hash": "\([0-9a-f]*\)".*"unit_repeat": \([0-9]*\),.*/\1\/\2/' "$WORK/shard_1.out" | tr '\n' ' ')
[[ "$got0" == "${m[0]}/1 ${m[2]}/1 ${m[1]}/2 " ]] || fail "shard 0 units: $got0"
[[ "$got1" == "${m[1]}/1 ${m[0]}/2 ${m[2]}/2 " ]] || fail "shard 1 units: $got1"
# a worker restarted after finishing has nothing left to do
"$NB" train "$WORK/shard_0.db" --from "$WORK/base.db" --all-missing --epochs 2 --repeats 2 \
    --seed 5 --shard 0/2 "${TINY[@]}" >"$WORK/again.out" 2>/dev/null
[[ ! -s "$WORK/again.out" ]] || fail "restarted worker trained again"

"$NB" merge "$WORK/all.db" "$WORK/shard_0.db" "$WORK/shard_1.db" >"$WORK/out"
echo '{"sources_added": 6, "modules_added": 3, "runs_added": 6, "runs_skipped": 0}' >"$WORK/want"
diff -u "$WORK/want" "$WORK/out" || fail "first merge"
"$NB" merge "$WORK/all.db" "$WORK/shard_1.db" "$WORK/shard_0.db" >"$WORK/out"
echo '{"sources_added": 0, "modules_added": 0, "runs_added": 0, "runs_skipped": 6}' >"$WORK/want"
diff -u "$WORK/want" "$WORK/out" || fail "second merge"
[[ $(q "$WORK/all.db" "SELECT count(*) FROM runs") == 6 ]] || fail "merged runs"
[[ $(q "$WORK/all.db" "SELECT count(*) FROM sources WHERE kind = 'merge'") == 2 ]] || fail "merge sources"
[[ $(q "$WORK/all.db" "SELECT count(*) FROM (SELECT module_id FROM runs WHERE epochs = 2
     GROUP BY module_id HAVING group_concat(repeat) IN ('0,1', '1,0'))") == 3 ]] || fail "repeats"
# the base adds its three 1-epoch runs; provenance of every run kept
"$NB" merge "$WORK/all.db" "$WORK/base.db" >"$WORK/out"
grep -q '"runs_added": 3,' "$WORK/out" || fail "base merge: $(cat "$WORK/out")"
[[ $(q "$WORK/all.db" "SELECT count(*) FROM run_metrics WHERE source_kind = 'trainer'") == 9 ]] \
    || fail "run_metrics after merges"

# errors leave the output as it was: itself (usage, 2), a missing input
before=$(q "$WORK/all.db" "SELECT count(*) FROM runs")
set +e
"$NB" merge "$WORK/all.db" "$WORK/all.db" 2>"$WORK/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "merge into itself: exit $rc"
set +e
"$NB" merge "$WORK/all2.db" "$WORK/base.db" "$WORK/none.db" 2>"$WORK/err"; rc=$?
set -e
[[ $rc != 0 ]] || fail "missing input accepted"
grep -q 'none.db' "$WORK/err" || fail "missing input not named: $(cat "$WORK/err")"
[[ $(q "$WORK/all2.db" "SELECT count(*) FROM runs") == 0 ]] || fail "partial merge kept"
[[ $(q "$WORK/all.db" "SELECT count(*) FROM runs") == "$before" ]] || fail "output changed"
echo ok
