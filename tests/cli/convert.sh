#!/usr/bin/env bash
# Integration test of `nasbench convert`, `export` and `info`: JSON outputs,
# byte-identical round trip, idempotence, exit codes and one-line errors for
# bad input (database unchanged), --skip-corrupt, and SIGINT / kill -9 in the
# middle of a conversion (a pipe keeps the converter waiting at a known point).
# usage: convert.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
SHARED=$3
WORK=$(mktemp -d)
FEEDER=
cleanup() {
    if [ -n "$FEEDER" ]; then kill "$FEEDER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$WORK"

# A JSON field of the last line of a file, through python.
field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2"; }
# A content digest of the database (every row of every table).
digest() {
    python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
h = hashlib.sha256()
for t in ("sources", "modules", "runs", "evaluations", "raw_records"):
    for row in c.execute("SELECT * FROM %s ORDER BY 1, 2" % t):
        h.update(repr(row).encode())
print(h.hexdigest())
PY
}

for cmd in convert export info; do
    "$NB" $cmd --help | grep -q "^usage: nasbench $cmd" || fail "$cmd --help"
done
set +e
"$NB" convert only.db 2>err; rc=$?
set -e
[ $rc -eq 2 ] || fail "convert without files: exit $rc, want 2"
set +e
"$NB" info missing.db 2>err; rc=$?
set -e
[ $rc -eq 8 ] || fail "info of a missing file: exit $rc, want 8"
set +e
"$NB" convert new.db nonexistent.tfrecord 2>err; rc=$?
set -e
[ $rc -eq 8 ] || fail "convert of a missing file: exit $rc, want 8"
grep -q 'nonexistent.tfrecord: cannot open' err || fail "missing file not named: $(cat err)"
[ ! -e new.db ] || fail "convert of a missing file created the database"

# --- a synthetic file: convert, info, export, idempotence ------------------
"$NB" synth full.tfrecord --modules 1000 >/dev/null
"$NB" convert a.db full.tfrecord >out 2>err
[ "$(field out status)" = converted ] || fail "status: $(cat out)"
[ "$(field out records)" = 12000 ] || fail "records: $(cat out)"
[ "$(field out runs_added)" = 12000 ] || fail "runs_added: $(cat out)"
[ "$(field out modules_added)" = 1000 ] || fail "modules_added: $(cat out)"
[ "$(field out sha256)" = "$(sha256sum full.tfrecord | cut -d' ' -f1)" ] || fail "sha256"
[ ! -s err ] || fail "stderr not empty: $(cat err)"

"$NB" info a.db >info
python3 - info full.tfrecord <<'PY'
import hashlib, json, sys
i = json.load(open(sys.argv[1]))
sha = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
want_budgets = [{"epochs": e, "runs": 3000, "modules": 1000, "evaluations": 9000}
                for e in (4, 12, 36, 108)]
assert i["schema_version"] == 3, i
assert (i["modules"], i["runs"], i["evaluations"]) == (1000, 12000, 36000), i
assert i["budgets"] == want_budgets, i["budgets"]
s, = i["sources"]
assert (s["id"], s["kind"], s["file_name"], s["sha256"], s["record_count"], s["runs"]) == \
    (1, "tfrecord", "full.tfrecord", sha, 12000, 12000), s
PY

"$NB" export a.db back.tfrecord >out
[ "$(field out records)" = 12000 ] || fail "export records"
cmp back.tfrecord full.tfrecord || fail "round trip differs"
"$NB" export --epochs 108 a.db only108.tfrecord.zst >out
[ "$(field out records)" = 3000 ] || fail "export --epochs 108"
zstd -q -d only108.tfrecord.zst -o only108.tfrecord

before=$(digest a.db)
"$NB" convert a.db full.tfrecord >out 2>err
[ "$(field out status)" = "already converted" ] || fail "second conversion: $(cat out)"
grep -q "already converted (source 1, same SHA-256), nothing added" err || fail "says so: $(cat err)"
[ "$(digest a.db)" = "$before" ] || fail "idempotent conversion changed the database"

# --- an older schema: refused read-only, brought forward by info --migrate -
cp a.db old.db
python3 - old.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (name,) in c.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'").fetchall():
    c.execute("DROP TRIGGER %s" % name)
c.executescript("DROP TABLE query_cache; DROP TABLE query_cache_stale; PRAGMA user_version = 2")
c.close()
PY
set +e
"$NB" query old.db --matrix 0100 --ops input,output >out 2>err; rc=$?
set -e
[ $rc -eq 9 ] || fail "query of a version-2 database: exit $rc, want 9"
grep -q "schema version 2 is older than 3; open it read-write once to migrate it ('nasbench info --migrate')" err \
    || fail "version message: $(cat err)"
"$NB" info --migrate old.db >info || fail "info --migrate"
python3 - old.db info <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert json.load(open(sys.argv[2]))["schema_version"] == 3
assert c.execute("SELECT count(*) FROM query_cache").fetchone()[0] == 1000
assert c.execute("SELECT count(*) FROM query_cache_stale").fetchone()[0] == 0
PY
H=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT hash FROM modules ORDER BY id LIMIT 1").fetchone()[0])' old.db)
"$NB" query old.db --hash "$H" >out || fail "query after migrate"
adj=$(field out module_adjacency)
[ "${adj:0:2}" = "[[" ] || fail "query after migrate: $(cat out)"

# --- incremental: 108 only, then the full file ----------------------------
"$NB" convert b.db only108.tfrecord.zst >/dev/null
"$NB" convert b.db full.tfrecord >out
[ "$(field out runs_added)" = 9000 ] || fail "incremental runs_added: $(cat out)"
[ "$(field out runs_existing)" = 3000 ] || fail "incremental runs_existing: $(cat out)"

# --- bad input: one line, exit 7, database unchanged -----------------------
cp only108.tfrecord bad.tfrecord
printf 'X' | dd of=bad.tfrecord bs=1 seek=100 conv=notrunc status=none
before=$(digest a.db)
set +e
"$NB" convert a.db only108.tfrecord bad.tfrecord >out 2>err; rc=$?
set -e
[ $rc -eq 7 ] || fail "bad data CRC: exit $rc, want 7"
[ "$(wc -l <err)" -eq 1 ] || fail "error is not one line: $(cat err)"
grep -q "^nasbench convert: bad.tfrecord: record 0 at byte 0: .*CRC" err || fail "message: $(cat err)"
# the good file before the bad one was committed, the bad one left nothing
[ "$(wc -l <out)" -eq 1 ] || fail "one report for the good file"
python3 - a.db <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert [r[0] for r in c.execute("SELECT file_name FROM sources ORDER BY id")] == \
    ["full.tfrecord", "only108.tfrecord"], "sources"
PY
before=$(digest a.db)
"$NB" convert --skip-corrupt c.db bad.tfrecord >out 2>err
[ "$(field out runs_added)" = 2999 ] || fail "skip-corrupt runs_added: $(cat out)"
grep -q "skipped 1 bad record: bad data CRC 1;" err || fail "skip report: $(cat err)"

# truncated tail: the last record cut short
head -c -5 only108.tfrecord >trunc.tfrecord
set +e
"$NB" convert a.db trunc.tfrecord >out 2>err; rc=$?
set -e
[ $rc -eq 7 ] || fail "truncated: exit $rc"
grep -q "trunc.tfrecord: record 2999 at byte" err || fail "truncated message: $(cat err)"
[ "$(digest a.db)" = "$before" ] || fail "bad files changed the database"

# --- interrupted conversions leave the database as it was ------------------
mkfifo in.fifo
interrupt_with() {
    local sig=$1 want=$2
    (head -c 2000000 full.tfrecord; exec sleep 30) >in.fifo &
    FEEDER=$!
    "$NB" convert d.db in.fifo >/dev/null 2>err &
    local pid=$!
    for _ in $(seq 100); do [ -e d.db-journal ] && break; sleep 0.05; done
    [ -e d.db-journal ] || fail "SIG$sig: the conversion did not start writing ($(cat err))"
    sleep 0.3
    kill -"$sig" $pid
    set +e
    wait $pid; local rc=$?
    set -e
    kill "$FEEDER" 2>/dev/null || true
    wait "$FEEDER" 2>/dev/null || true
    FEEDER=
    [ $rc -eq "$want" ] || fail "SIG$sig: exit $rc, want $want ($(cat err))"
}
"$NB" convert d.db only108.tfrecord >/dev/null
before=$(digest d.db)
interrupt_with INT 11
grep -q "interrupted; nothing of this file was stored" err || fail "SIGINT message: $(cat err)"
[ "$(digest d.db)" = "$before" ] || fail "SIGINT left data behind"
interrupt_with KILL 137
"$NB" info d.db >info || fail "info after kill -9"
[ "$(digest d.db)" = "$before" ] || fail "kill -9 left data behind"
python3 -c 'import sqlite3,sys; assert sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0] == "ok"' d.db

# --- the real sample, when present ----------------------------------------
REAL="$SHARED/realdata/nb101_real_sample.tfrecord"
if [ -r "$REAL" ]; then
    "$NB" convert r.db "$REAL" >out
    [ "$(field out sha256)" = 0fe93c589ed781c9aa8e110e326b5bac655b83bc51d703e00aa20b65113df160 ] || fail "real sha"
    "$NB" export r.db real.tfrecord >/dev/null
    cmp real.tfrecord "$REAL" || fail "real sample round trip"
fi
echo "convert/export/info: all checks passed"
