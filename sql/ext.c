/*
 * nasbench_ext: a loadable SQLite extension with the spec functions, so that
 * the sqlite3 shell can look modules up by spec:
 *
 *   .load ./nasbench_ext
 *   SELECT * FROM module_stats WHERE hash = nb_hash('[[0,1],[0,0]]', 'input,output');
 *
 * nb_hash(adjacency, ops)     the module hash of the pruned spec, as the
 *                             original hash_spec; NULL when pruning leaves no
 *                             path or an interior op has no hash label
 * nb_prune(adjacency, ops)    {"matrix": [[...]], "ops": [...]} after pruning,
 *                             NULL when no path is left
 * nb_is_valid(adjacency, ops) 1 when the spec is in the search space (the
 *                             original is_valid), else 0
 *
 * adjacency is a JSON matrix or a row-major bit string; ops are
 * comma-separated names or a JSON array. A NULL argument gives NULL; text that
 * is not a spec at all (unreadable, not square, not upper triangular) is an
 * SQL error naming the rule.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"

/* Read the two arguments. Returns 1 when a spec was read, 0 when the
 * result is already set (NULL argument or an error). */
static int read_spec(sqlite3_context *ctx, sqlite3_value **argv, nb_spec *spec)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return 0;
    }
    const char *matrix = (const char *)sqlite3_value_text(argv[0]);
    const char *ops = (const char *)sqlite3_value_text(argv[1]);
    if (!matrix || !ops) {
        sqlite3_result_error_nomem(ctx);
        return 0;
    }
    if (nb_spec_parse(spec, matrix, ops) != NB_OK) {
        sqlite3_result_error(ctx, nb_errmsg(), -1);
        return 0;
    }
    return 1;
}

static void fn_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
    if (!read_spec(ctx, argv, &spec))
        return;
    if (nb_spec_prune(&spec, &spec) != NB_OK || nb_spec_hash(&spec, hash) != NB_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_text(ctx, hash, NB_HASH_HEX, SQLITE_TRANSIENT);
}

static void fn_prune(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    nb_spec spec;
    if (!read_spec(ctx, argv, &spec))
        return;
    if (nb_spec_prune(&spec, &spec) != NB_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    /* 12x12 matrix JSON and 12 op names of 31 bytes fit easily. */
    char matrix[1024], ops[1024], out[2200];
    nb_spec_matrix_pyjson(&spec, matrix, sizeof matrix);
    nb_spec_ops_pyjson(&spec, ops, sizeof ops);
    int n = snprintf(out, sizeof out, "{\"matrix\": %s, \"ops\": %s}", matrix, ops);
    sqlite3_result_text(ctx, out, n, SQLITE_TRANSIENT);
}

static void fn_is_valid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    nb_spec spec;
    if (!read_spec(ctx, argv, &spec))
        return;
    sqlite3_result_int(ctx, nb_spec_resolve(&spec, NULL, NULL) == NB_OK);
}

static int register_all(sqlite3 *db)
{
    static const struct {
        const char *name;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } fns[] = {{"nb_hash", fn_hash}, {"nb_prune", fn_prune}, {"nb_is_valid", fn_is_valid}};
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function(db, fns[i].name, 2, flags, NULL, fns[i].fn, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* The shell derives this name from the file name nasbench_ext.so. */
int sqlite3_nasbenchext_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api)
{
    (void)errmsg;
    SQLITE_EXTENSION_INIT2(api);
    return register_all(db);
}

/* The default entry point, for hosts that load the file under another name. */
int sqlite3_extension_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api)
{
    return sqlite3_nasbenchext_init(db, errmsg, api);
}
