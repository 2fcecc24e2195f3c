#!/usr/bin/env bash
# The loadable extension in the real sqlite3 shell: nb_hash, nb_prune and
# nb_is_valid, and looking a module up by spec in module_stats.
set -euo pipefail
NB=$1 SRC=$2 BUILD=$4
EXT=$BUILD/nasbench_ext.so
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -f "$EXT" ] || { echo "FAIL: $EXT not built" >&2; exit 1; }
# A sanitizer build of the extension needs its runtime loaded first.
if ldd "$EXT" | grep -q libasan; then
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=detect_leaks=0
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" == "$2" ] || fail "$3: got [$1], want [$2]"; }
q() { sqlite3 -bail "$1" ".load $EXT" "$2"; }

INC_M='[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]'
INC_O='input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output'

# Hashes of the reference (sections 1.7 and 3.4), JSON or bit string, CSV or JSON ops.
eq "$(q :memory: "SELECT nb_hash('$INC_M', '$INC_O')")" 28cfc7874f6d200472e1a9dcd8650aa0 "Inception hash"
eq "$(q :memory: "SELECT nb_hash('0100', '[\"input\", \"output\"]')")" 043721b9c7fe8c5fad811d47d83132ec "2-vertex hash"
eq "$(q :memory: "SELECT nb_hash('010001000', 'input,conv3x3-bn-relu,output')")" b49ac8c578b4561d79ac7087988f1c61 "chain hash"
eq "$(q :memory: "SELECT nb_hash('[[0,1,0,1],[0,0,1,0],[0,0,0,1],[0,0,0,0]]', 'input,conv3x3-bn-relu,conv3x3-bn-relu,output')")" \
  b5fb4f6193360330b6ff6a52cbf0cad7 "ResNet-like hash"
# Pruning happens first: an island vertex does not change the hash.
eq "$(q :memory: "SELECT nb_hash('[[0,1,0,0],[0,0,0,1],[0,0,0,0],[0,0,0,0]]', 'input,conv3x3-bn-relu,maxpool3x3,output')")" \
  b49ac8c578b4561d79ac7087988f1c61 "hash after pruning"

# nb_prune returns the pruned spec as JSON, NULL when no path is left.
eq "$(q :memory: "SELECT nb_prune('[[0,1,1,0],[0,0,0,0],[0,0,0,1],[0,0,0,0]]', 'a,b,c,d')")" \
  '{"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["a", "c", "d"]}' "prune dead end"
eq "$(q :memory: "SELECT json_extract(nb_prune('$INC_M', '$INC_O'), '\$.ops[1]')")" conv1x1-bn-relu "prune JSON readable"
eq "$(q :memory: "SELECT quote(nb_prune('0000', 'input,output'))")" NULL "prune disconnected"

# nb_is_valid: the original's is_valid.
eq "$(q :memory: "SELECT nb_is_valid('$INC_M', '$INC_O'), nb_is_valid('0000', 'input,output'),
  nb_is_valid('010001000', 'input,conv5x5,output'), nb_is_valid('010001000', 'output,conv3x3-bn-relu,output')")" \
  '1|0|0|0' "is_valid verdicts"
# Out of space or disconnected: NULL hash; NULL arguments: NULL.
eq "$(q :memory: "SELECT quote(nb_hash('0000', 'input,output')), quote(nb_hash('010001000', 'input,conv5x5,output')),
  quote(nb_hash(NULL, 'input')), quote(nb_is_valid('0100', NULL))")" 'NULL|NULL|NULL|NULL' "NULLs"
# Text that is no spec at all is an SQL error naming the rule.
set +e
ERR=$(q :memory: "SELECT nb_hash('0110', 'input,output')" 2>&1); RC=$?
set -e
[ $RC -ne 0 ] || fail "non-triangular matrix accepted"
echo "$ERR" | grep -q "upper triangular" || fail "error message: $ERR"
set +e
ERR=$(q :memory: "SELECT nb_is_valid('[[0,1],[0,0]]', 'input')" 2>&1); RC=$?
set -e
[ $RC -ne 0 ] || fail "op count mismatch accepted"

# Looking a module up by spec in the views of a database.
DB=$W/q.db
"$NB" generate --max-vertices 5 --db "$DB" >/dev/null 2>&1
sqlite3 "$DB" < "$SRC/tests/cli/query_fixture.sql"
eq "$(q "$DB" "SELECT hash, epochs, repeats FROM module_stats
  WHERE hash = nb_hash('[[0,1,0],[0,0,1],[0,0,0]]', '[\"input\",\"conv3x3-bn-relu\",\"output\"]') ORDER BY epochs")" \
  "b49ac8c578b4561d79ac7087988f1c61|4|3
b49ac8c578b4561d79ac7087988f1c61|108|3" "module_stats by nb_hash"
# Every stored module hashes to itself from its own adjacency and ops.
eq "$(q "$DB" "SELECT count(*) FROM modules WHERE nb_hash(adjacency, operations) IS NOT hash")" 0 "stored hashes recompute"
eq "$(q "$DB" "SELECT count(*) FROM modules WHERE nb_is_valid(adjacency, operations)")" 2532 "all stored modules valid"
echo ok
