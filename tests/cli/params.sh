#!/usr/bin/env bash
# Integration test of `nasbench params`: usage, the three reference counts,
# shape options, exit codes, JSON lines, and the 1,000 real specs when present.
# usage: params.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
SHARED=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

"$NB" params --help >"$WORK/help"
grep -q -- '--jsonl' "$WORK/help" || fail "help lacks --jsonl"

INC_M='[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]'
INC_O='input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output'
"$NB" params --matrix "$INC_M" --ops "$INC_O" >"$WORK/out"
echo '{"valid": true, "hash": "28cfc7874f6d200472e1a9dcd8650aa0", "trainable_parameters": 2694282}' >"$WORK/want"
diff -u "$WORK/want" "$WORK/out" || fail "Inception count"

"$NB" params --matrix 0100110001000000010010000010000001000000010000000 \
    --ops input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output >"$WORK/out"
grep -q '"trainable_parameters": 8555530}' "$WORK/out" || fail "00005c14 count"
"$NB" params --matrix '[[0,1],[0,0]]' --ops input,output >"$WORK/out"
grep -q '"trainable_parameters": 882570}' "$WORK/out" || fail "2-vertex count"

# reduced shape: stem 16, 3 stacks of 1 module; 2-vertex module by hand:
# stem 3*3*3*16+32 = 464; projections 16->16, 16->32, 32->64 (c_in*c + 2c):
# 288 + 576 + 2176 = 3040; dense 64*10+10 = 650; total 4154
"$NB" params --matrix '[[0,1],[0,0]]' --ops input,output --stem 16 --stacks 3 --modules 1 >"$WORK/out"
grep -q '"trainable_parameters": 4154}' "$WORK/out" || fail "reduced shape count: $(cat "$WORK/out")"

# exit codes: out of space (5), malformed (3), usage (2)
set +e
"$NB" params --matrix '[[0,1],[0,0]]' --ops input,conv5x5 2>"$WORK/err"; rc=$?
[ $rc -eq 5 ] || fail "bad op exit $rc"
"$NB" params --matrix '[[0,1],[0' --ops input,output 2>"$WORK/err"; rc=$?
[ $rc -eq 3 ] || fail "malformed exit $rc"
"$NB" params --stem 0 --matrix 0100 --ops input,output 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "usage exit $rc"
set -e

# JSON lines: good and bad, in order
printf '%s\n' '{"matrix": "0100", "ops": "input,output"}' 'not json' \
    '{"matrix": [[0,1],[0,0]], "ops": ["input","maxpool3x3"]}' >"$WORK/in"
"$NB" params --jsonl <"$WORK/in" >"$WORK/out"
[ "$(wc -l <"$WORK/out")" -eq 3 ] || fail "jsonl line count"
sed -n 1p "$WORK/out" | grep -q '"trainable_parameters": 882570}' || fail "jsonl line 1"
sed -n 2p "$WORK/out" | grep -q '"valid": false' || fail "jsonl line 2"
sed -n 3p "$WORK/out" | grep -q '"valid": false' || fail "jsonl line 3"

# the 1,000 real specs: every count equals the dataset's
CSV="$SHARED/realdata/derived/nasbench_vis_1k_specs.csv"
if [ -r "$CSV" ]; then
    tail -n +2 "$CSV" | awk -F'"' '{split($1, a, ","); split($3, b, ",");
        printf "{\"matrix\": \"%s\", \"ops\": \"%s\"}\n", a[2], $2 > "'"$WORK/specs"'";
        printf "{\"valid\": true, \"hash\": \"%s\", \"trainable_parameters\": %s}\n", a[1], b[2] > "'"$WORK/want"'"}'
    "$NB" params --jsonl <"$WORK/specs" >"$WORK/out"
    [ "$(wc -l <"$WORK/out")" -eq 1000 ] || fail "1k line count"
    diff -q "$WORK/want" "$WORK/out" >/dev/null || fail "1k counts differ: $(diff "$WORK/want" "$WORK/out" | head -3)"
fi
echo ok
