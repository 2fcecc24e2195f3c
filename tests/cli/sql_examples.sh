#!/usr/bin/env bash
# The example analyses of sql/examples/*.sql run in the sqlite3 shell on a
# database the test makes itself, and agree with the C API (nasbench top)
# and with facts of the fixture (tests/cli/query_fixture.sql).
set -euo pipefail
NB=$1 SRC=$2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
DB=$W/q.db
"$NB" generate --max-vertices 5 --db "$DB" >/dev/null 2>&1
sqlite3 "$DB" < "$SRC/tests/cli/query_fixture.sql"

fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" == "$2" ] || fail "$3: got [$1], want [$2]"; }
ex() { sqlite3 -bail -separator '|' "$DB" < "$SRC/sql/examples/$1.sql"; }

# Every example runs without error and prints something (diverged too: the
# fixture has diverged runs).
for f in "$SRC"/sql/examples/*.sql; do
  OUT=$(sqlite3 -bail "$DB" < "$f") || fail "$f failed"
  [ -n "$OUT" ] || fail "$f printed nothing"
done

# Best module by mean validation accuracy = nasbench top --mean.
BEST=$(ex best_modules | head -1 | cut -d'|' -f1)
TOP=$("$NB" top "$DB" --by final_validation_accuracy --mean -n 1 | sed 's/.*"hash": "\([0-9a-f]*\)".*/\1/')
eq "$BEST" "$TOP" "best module"
eq "$(ex best_modules | wc -l)" 10 "ten best modules"
BEST=$(ex best_modules_by_test | head -1 | cut -d'|' -f1)
TOP=$("$NB" top "$DB" --by final_test_accuracy --mean -n 1 | sed 's/.*"hash": "\([0-9a-f]*\)".*/\1/')
eq "$BEST" "$TOP" "best module by test"

# Modules per vertex count: the enumeration's 1, 6, 84, 2441; 3 runs each.
eq "$(ex counts_per_vertex_count | cut -d'|' -f1-3 | paste -sd' ')" "2|1|3 3|6|18 4|84|252 5|2441|7323" "counts per vertex count"

# Parameter buckets cover every 108-epoch run once.
eq "$(ex accuracy_by_parameters | cut -d'|' -f4 | paste -sd+ | sed 's/^/SELECT /' | sqlite3 :memory:)" 7596 "bucketed runs"

# Test accuracy is validation accuracy minus 20/9984 in the fixture: r = 1.
eq "$(ex validation_test_correlation)" "4|7596|1.0
108|7596|1.0" "correlation"

# Op frequencies: three ops, and the all-module column matches a direct count.
eq "$(ex top1pct_op_frequencies | cut -d'|' -f1 | paste -sd,)" "conv1x1-bn-relu,conv3x3-bn-relu,maxpool3x3" "ops listed"
ALL=$(sqlite3 "$DB" "SELECT round(avg((length(operations) - length(replace(operations, 'maxpool3x3', ''))) / 10), 4)
  FROM modules WHERE id IN (SELECT module_id FROM runs WHERE epochs = 108)")
eq "$(ex top1pct_op_frequencies | grep '^maxpool3x3' | cut -d'|' -f3)" "$ALL" "maxpool frequency"

# Diverged runs: exactly the fixture's modules with id 7 modulo 50.
N=$(sqlite3 "$DB" "SELECT count(*) * 6 FROM modules WHERE id % 50 = 7")
eq "$(ex diverged_runs | wc -l)" "$N" "diverged runs"
LOW=$("$NB" top "$DB" --by final_test_accuracy --epochs 4 --ascending -n 1 | sed 's/.*"hash": "\([0-9a-f]*\)".*/\1/')
eq "$(ex diverged_runs | head -1 | cut -d'|' -f1)" "$LOW" "lowest diverged run"
# The TEMP analytic views work on a read-only database and agree with the rest.
V() { sqlite3 -readonly -bail "$DB" ".read $SRC/sql/views_analytics.sql" "$1"; }
eq "$(V 'SELECT hash FROM module_ranks WHERE epochs = 108 AND validation_rank = 1 ORDER BY hash LIMIT 1')" \
   "$(ex best_modules | head -1 | cut -d'|' -f1)" "module_ranks best"
eq "$(V 'SELECT count(*), sum(diverged) FROM run_summary')" "15192|$N" "run_summary"
eq "$(V 'SELECT epochs, runs, modules, diverged_runs FROM budget_summary ORDER BY epochs' | paste -sd' ')" \
   "4|7596|2532|$((N / 2)) 108|7596|2532|$((N / 2))" "budget_summary"
eq "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_schema WHERE name IN ('run_summary', 'module_ranks', 'budget_summary')")" 0 \
   "views are temporary"
echo ok
