#!/usr/bin/env bash
# Integration test of `nasbench generate`: the full space (counts table,
# 423,624 lines, canonical forms of reference 5.2 and 1.7, the digest of the
# whole output), --verify-isomorphism and --db on smaller limits, usage errors.
# usage: generate.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

"$NB" generate --help >"$WORK/help"
grep -q -- '--verify-isomorphism' "$WORK/help" || fail "help lacks --verify-isomorphism"

for bad in "--max-vertices 1" "--max-vertices 9" "--max-vertices x" "--max-edges 0" "--bogus"; do
    set +e
    # shellcheck disable=SC2086
    "$NB" generate $bad >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "generate $bad: status $rc, expected 2"
    [ ! -s "$WORK/out" ] || fail "generate $bad wrote to stdout"
done

# The full space.
"$NB" generate >"$WORK/all.jsonl" 2>"$WORK/table"
cat >"$WORK/want" <<'EOF'
vertices     graphs labelled_graphs  new_unique  cumulative
       2          1               1           1           1
       3          2               6           6           7
       4         10              90          84          91
       5        121            3267        2441        2532
       6       1545          125145       62010       64542
       7       4793         1164699      359082      423624
EOF
diff -u "$WORK/want" "$WORK/table" || fail "per-vertex table"
[ "$(wc -l <"$WORK/all.jsonl")" -eq 423624 ] || fail "line count"
[ "$(cut -c1-43 "$WORK/all.jsonl" | sort -u | wc -l)" -eq 423624 ] || fail "hashes not unique"

# Reference 5.2: the 7 modules with at most 3 vertices, in generator order.
cat >"$WORK/want" <<'EOF'
{"hash": "043721b9c7fe8c5fad811d47d83132ec", "matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]}
{"hash": "b49ac8c578b4561d79ac7087988f1c61", "matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
{"hash": "d1269d9156ddc027c40473008192958a", "matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv1x1-bn-relu", "output"]}
{"hash": "53cee42601ad14d661bb6878031d6acb", "matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "maxpool3x3", "output"]}
{"hash": "d32d0b26d534203b48d866facd98cc3e", "matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
{"hash": "09fc2d10bdd6225e167a6f81a22a3f06", "matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv1x1-bn-relu", "output"]}
{"hash": "6f6257bc3b12d87b8736e81cd4b7ed8b", "matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", "maxpool3x3", "output"]}
EOF
head -7 "$WORK/all.jsonl" | diff -u "$WORK/want" - || fail "small modules"

# Reference 1.7 / 5.1: canonical forms of the first record, the Inception
# cell (labels [-1,0,1,2,0,0,-2]), the diamond, and the last hash.
cat >"$WORK/want" <<'EOF'
{"hash": "00005c142e6f48ac74fdcf73e3439874", "matrix": [[0, 1, 0, 0, 1, 1, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"]}
{"hash": "1af995a92568cf42af2c2668f72834ea", "matrix": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"]}
{"hash": "28cfc7874f6d200472e1a9dcd8650aa0", "matrix": [[0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv3x3-bn-relu", "output"]}
{"hash": "ffff76fafa7b0cdf545fd7feee9c8bf9", "matrix": [[0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]], "ops": ["input", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"]}
EOF
grep -E '"(00005c142e6f48ac74fdcf73e3439874|28cfc7874f6d200472e1a9dcd8650aa0|1af995a92568cf42af2c2668f72834ea|ffff76fafa7b0cdf545fd7feee9c8bf9)"' "$WORK/all.jsonl" |
    sort | diff -u "$WORK/want" - || fail "canonical forms"

# The whole output. Its canonical forms were checked against the original
# generator: converting this output to the original's single JSON object
# (keys sorted, labels for ops) gives its 92,799,846 bytes with SHA-256
# b62900d1b8b3b850df432da5dce9e7a9248655bba8ada9f03e54cdcc6487a39a (reference 5.3).
[ "$(sha256sum <"$WORK/all.jsonl" | cut -c1-64)" = \
  481d3f0aac08dc3eff6b26526371cbe94da23cc4c26489d835011c86b7d88e62 ] || fail "output digest"

# One thread gives the same bytes as many (checked on 6 vertices to stay fast).
"$NB" generate --max-vertices 6 --threads 1 >"$WORK/t1" 2>/dev/null
head -64542 "$WORK/all.jsonl" | cmp - "$WORK/t1" || fail "thread count changes the output"

# Round trip: every module of up to 6 vertices hashes to its own hash, and its
# canonical form is already pruned (hash --jsonl reads generate's lines).
"$NB" hash --jsonl <"$WORK/t1" | sed -e 's/^{"valid": true, /{/' | cmp - "$WORK/t1" ||
    fail "generate -> hash --jsonl round trip"

# Hashing every labelled graph gives the same bytes.
"$NB" generate --max-vertices 6 --hash-every-graph >"$WORK/e6" 2>/dev/null
cmp "$WORK/t1" "$WORK/e6" || fail "--hash-every-graph changes the output"

# Verification on 6 vertices: no false collision, same output.
"$NB" generate --max-vertices 6 --verify-isomorphism >"$WORK/v6" 2>"$WORK/v6.err"
cmp "$WORK/t1" "$WORK/v6" || fail "verify changes the output"
[ "$(tail -1 "$WORK/v6.err")" = "verified: all 63967 labelled graphs with an already seen hash are isomorphic to its module" ] ||
    fail "verify report: $(tail -1 "$WORK/v6.err")"

# Edge limit: 5 vertices with at most 4 edges is the chain only.
"$NB" generate --max-vertices 5 --max-edges 4 2>/dev/null | tail -1 >"$WORK/out"
echo '{"hash": "71e29ecde1db1f6344801d69c75ed954", "matrix": [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]], "ops": ["input", "maxpool3x3", "maxpool3x3", "maxpool3x3", "output"]}' >"$WORK/want"
diff -u "$WORK/want" "$WORK/out" || fail "edge limit"

# --db: the modules table, then again (idempotent: modules kept, one more source).
if command -v sqlite3 >/dev/null; then
    "$NB" generate --max-vertices 5 --db "$WORK/g.db" 2>/dev/null >"$WORK/out"
    [ ! -s "$WORK/out" ] || fail "--db also wrote JSON lines"
    "$NB" generate --max-vertices 5 --db "$WORK/g.db" 2>/dev/null
    sqlite3 "$WORK/g.db" "SELECT num_vertices, COUNT(*) FROM modules GROUP BY num_vertices;
        SELECT kind, record_count, config FROM sources ORDER BY id;
        SELECT hash, adjacency, operations, num_edges, trainable_parameters FROM modules
        WHERE hash IN ('043721b9c7fe8c5fad811d47d83132ec', '1af995a92568cf42af2c2668f72834ea')
        ORDER BY hash;" >"$WORK/out"
    cat >"$WORK/want" <<'EOF'
2|1
3|6
4|84
5|2441
generate|2532|{"max_vertices": 5, "max_edges": 9, "verify_isomorphism": false}
generate|2532|{"max_vertices": 5, "max_edges": 9, "verify_isomorphism": false}
043721b9c7fe8c5fad811d47d83132ec|0100|input,output|1|882570
1af995a92568cf42af2c2668f72834ea|0110000100010000|input,conv3x3-bn-relu,conv1x1-bn-relu,output|4|3468426
EOF
    diff -u "$WORK/want" "$WORK/out" || fail "--db contents"
fi
echo "generate.sh: ok"
