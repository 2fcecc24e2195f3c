/*
 * The write path: sources, modules, runs with their evaluations, raw
 * payloads, and the "same run" test of incremental conversion. Every value
 * goes through bound parameters; a field absent from the input is NULL.
 */
#include <math.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_db_internal.h"

int nb_db_step_done(nb_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return nb_seterr(NB_EDB, "%s: %s", what, sqlite3_errmsg(nb_db_sqlite(db)));
    return NB_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void nb_db_write_cache_reset(nb_db *db)
{
    db->repeat_module = 0;
    db->repeat_count = 0;
    db->module_is_new = 0;
    db->new_count = 0;
    db->next_run_id = 0;
}

int nb_db_add_source(nb_db *db, const nb_source *source, int64_t *source_id)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "INSERT INTO sources(kind, file_name, sha256, record_count, created_at,"
                        " program_version, config) VALUES (?1, ?2, ?3, ?4,"
                        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?5, ?6)",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source->kind, -1, SQLITE_STATIC);
    bind_text_or_null(st, 2, source->file_name);
    bind_text_or_null(st, 3, source->sha256);
    if (source->record_count >= 0)
        sqlite3_bind_int64(st, 4, source->record_count);
    sqlite3_bind_text(st, 5, NB_VERSION, -1, SQLITE_STATIC);
    bind_text_or_null(st, 6, source->config);
    rc = nb_db_step_done(db, st, "adding a source");
    if (!rc && source_id)
        *source_id = sqlite3_last_insert_rowid(nb_db_sqlite(db));
    return rc;
}

int nb_db_add_module(nb_db *db, const char *hash, const char *adjacency, const char *operations,
                     int num_vertices, int num_edges, int64_t trainable_parameters,
                     int64_t *module_id)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, "SELECT id FROM modules WHERE hash = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (module_id)
            *module_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return NB_OK;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return nb_seterr(NB_EDB, "looking up module %s: %s", hash,
                         sqlite3_errmsg(nb_db_sqlite(db)));
    rc = nb_db_stmt(db,
                    "INSERT INTO modules(hash, adjacency, operations, num_vertices, num_edges,"
                    " trainable_parameters) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, adjacency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, operations, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, num_vertices);
    sqlite3_bind_int(st, 5, num_edges);
    if (trainable_parameters >= 0)
        sqlite3_bind_int64(st, 6, trainable_parameters);
    rc = nb_db_step_done(db, st, "adding a module");
    if (rc)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(nb_db_sqlite(db));
    if (module_id)
        *module_id = id;
    if (!sqlite3_get_autocommit(nb_db_sqlite(db)) && db->new_count < NB_DB_NEW_RING)
        db->new_modules[db->new_count++] = id; /* no run can reference it yet */
    return NB_OK;
}

/* ---- fingerprint --------------------------------------------------------- */

/* FNV-1a over 64-bit words (the values are doubles: one step per value, not
 * eight), with a final avalanche. Not a cryptographic hash: a match is
 * always confirmed by comparing the values themselves. */
typedef struct { uint64_t h; } fnv;

static void fnv_word(fnv *f, uint64_t w)
{
    f->h = (f->h ^ w) * 1099511628211ull;
    f->h ^= f->h >> 29;
}

static void fnv_bytes(fnv *f, const char *s)
{
    size_t n = strlen(s);
    fnv_word(f, n);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i < 8 ? n - i : 8);
        fnv_word(f, w);
    }
}

static void fnv_double(fnv *f, int present, double v)
{
    uint64_t w = 0;
    if (present)
        memcpy(&w, &v, sizeof w);
    fnv_word(f, (uint64_t)(present != 0));
    fnv_word(f, w);
}

int64_t nb_db_run_fingerprint(const nb_run *run)
{
    fnv f = {14695981039346656037ull};
    fnv_word(&f, (uint64_t)(uint32_t)run->epochs << 32 | (uint32_t)run->num_evaluations);
    fnv_double(&f, run->has_total_time, run->total_time);
    for (int i = 0; i < run->num_evaluations; i++) {
        const nb_evaluation *e = &run->evaluations[i];
        fnv_word(&f, e->present);
        fnv_double(&f, e->present & NB_EVAL_CURRENT_EPOCH, e->current_epoch);
        fnv_double(&f, e->present & NB_EVAL_TRAINING_TIME, e->training_time);
        fnv_double(&f, e->present & NB_EVAL_TRAIN_ACCURACY, e->train_accuracy);
        fnv_double(&f, e->present & NB_EVAL_VALIDATION_ACCURACY, e->validation_accuracy);
        fnv_double(&f, e->present & NB_EVAL_TEST_ACCURACY, e->test_accuracy);
        int has_path = (e->present & NB_EVAL_CHECKPOINT_PATH) && e->checkpoint_path;
        fnv_word(&f, (uint64_t)has_path);
        if (has_path)
            fnv_bytes(&f, e->checkpoint_path);
    }
    f.h ^= f.h >> 32;
    return (int64_t)f.h;
}

/* ---- runs ---------------------------------------------------------------- */

/* Per-transaction cache of the module last written: next free repeat per
 * budget and whether its parameter count is known. Runs of one module come
 * together in the files, so this saves queries per run. */
static void cache_module(nb_db *db, int64_t module_id)
{
    if (db->repeat_module == module_id)
        return;
    db->repeat_module = module_id;
    db->repeat_count = 0;
    db->module_has_params = -1;
    db->module_is_new = 0;
    for (int i = db->new_count - 1; i >= 0; i--) {
        if (db->new_modules[i] == module_id) {
            db->module_is_new = 1;
            db->new_modules[i] = db->new_modules[--db->new_count];
            break;
        }
    }
}

/* Whether the cached module has a parameter count (read on first need). */
static int module_params_known(nb_db *db, int *known)
{
    if (db->module_has_params < 0) {
        sqlite3_stmt *st;
        int rc = nb_db_stmt(db, "SELECT trainable_parameters IS NOT NULL FROM modules"
                                " WHERE id = ?1", &st);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, db->repeat_module);
        int step = sqlite3_step(st);
        db->module_has_params = step == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return nb_seterr(NB_EDB, "adding a run: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    }
    *known = db->module_has_params;
    return NB_OK;
}

/* Slot of `epochs` in the cache of the current module, loaded on a miss. */
static int repeat_slot(nb_db *db, int64_t module_id, int epochs, int *slot)
{
    for (int i = 0; i < db->repeat_count; i++)
        if (db->repeat_epochs[i] == epochs) {
            *slot = i;
            return NB_OK;
        }
    if (db->repeat_count == NB_DB_REPEAT_SLOTS) {
        /* more budgets than slots: start over, asking the database from now
         * on (the dropped budgets have runs) */
        db->repeat_count = 0;
        db->module_is_new = 0;
    }
    if (db->module_is_new) {
        /* inserted in this transaction and no run of this budget cached */
        int i = db->repeat_count++;
        db->repeat_epochs[i] = epochs;
        db->repeat_next[i] = 0;
        *slot = i;
        return NB_OK;
    }
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT coalesce(max(repeat) + 1, 0) FROM runs"
                        " WHERE module_id = ?1 AND epochs = ?2",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, module_id);
    sqlite3_bind_int(st, 2, epochs);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return nb_seterr(NB_EDB, "adding a run: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    }
    int i = db->repeat_count++;
    db->repeat_epochs[i] = epochs;
    db->repeat_next[i] = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    *slot = i;
    return NB_OK;
}

static void bind_opt(sqlite3_stmt *st, int i, unsigned present, unsigned bit, double v)
{
    /* SQLite stores NaN as NULL anyway; say so explicitly. */
    if ((present & bit) && !isnan(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

void nb_db_bind_evaluation(sqlite3_stmt *st, int at, int64_t run_id, int checkpoint,
                           const nb_evaluation *e)
{
    sqlite3_bind_int64(st, at, run_id);
    sqlite3_bind_int(st, at + 1, checkpoint);
    bind_opt(st, at + 2, e->present, NB_EVAL_CURRENT_EPOCH, e->current_epoch);
    bind_opt(st, at + 3, e->present, NB_EVAL_TRAINING_TIME, e->training_time);
    bind_opt(st, at + 4, e->present, NB_EVAL_TRAIN_ACCURACY, e->train_accuracy);
    bind_opt(st, at + 5, e->present, NB_EVAL_VALIDATION_ACCURACY, e->validation_accuracy);
    bind_opt(st, at + 6, e->present, NB_EVAL_TEST_ACCURACY, e->test_accuracy);
    bind_text_or_null(st, at + 7,
                      (e->present & NB_EVAL_CHECKPOINT_PATH) ? e->checkpoint_path : NULL);
}

#define NB_EVAL_COLUMNS                                                                     \
    "INSERT INTO evaluations(run_id, checkpoint, current_epoch, training_time,"             \
    " train_accuracy, validation_accuracy, test_accuracy, checkpoint_path) VALUES "
#define NB_EVAL_ROW(n)                                                                      \
    "(?" #n "1, ?" #n "2, ?" #n "3, ?" #n "4, ?" #n "5, ?" #n "6, ?" #n "7, ?" #n "8)"

static int insert_evaluations(nb_db *db, const nb_run *run, int64_t run_id)
{
    sqlite3_stmt *st;
    int rc;
    if (run->num_evaluations == 3) {
        /* The dataset's case: one statement for the three rows. */
        rc = nb_db_stmt(db, NB_EVAL_COLUMNS NB_EVAL_ROW(1) ", " NB_EVAL_ROW(2) ", " NB_EVAL_ROW(3),
                        &st);
        if (rc)
            return rc;
        for (int i = 0; i < 3; i++)
            nb_db_bind_evaluation(st, 10 * (i + 1) + 1, run_id, i, &run->evaluations[i]);
        return nb_db_step_done(db, st, "adding evaluations");
    }
    rc = nb_db_stmt(db, NB_EVAL_COLUMNS NB_EVAL_ROW(1), &st);
    for (int i = 0; !rc && i < run->num_evaluations; i++) {
        nb_db_bind_evaluation(st, 11, run_id, i, &run->evaluations[i]);
        rc = nb_db_step_done(db, st, "adding an evaluation");
    }
    return rc;
}

const char nb_db_sql_run_row[] =
    "INSERT INTO runs(id, module_id, epochs, repeat, total_time, source_id, fingerprint)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)";
const char nb_db_sql_eval_row[] = NB_EVAL_COLUMNS NB_EVAL_ROW(1);

int nb_db_repeat_cached(const nb_db *db, int64_t module_id, int epochs)
{
    if (db->repeat_module != module_id)
        return 0;
    for (int i = 0; i < db->repeat_count; i++)
        if (db->repeat_epochs[i] == epochs)
            return 1;
    return 0;
}

int nb_db_resolve_run(nb_db *db, const nb_run *run, int64_t *id, int *repeat)
{
    cache_module(db, run->module_id);
    int slot = 0;
    int rc = repeat_slot(db, run->module_id, run->epochs, &slot);
    if (rc)
        return rc;
    *repeat = run->repeat < 0 ? db->repeat_next[slot] : run->repeat;
    if (*repeat >= db->repeat_next[slot])
        db->repeat_next[slot] = *repeat + 1;
    if (db->next_run_id == 0) {
        /* Ids are given here, not by SQLite, so that a multi-row INSERT
         * knows every id it made. */
        sqlite3_stmt *st;
        rc = nb_db_stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM runs", &st);
        if (rc)
            return rc;
        int step = sqlite3_step(st);
        db->next_run_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (step != SQLITE_ROW)
            return nb_seterr(NB_EDB, "adding a run: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    }
    *id = db->next_run_id++;
    return NB_OK;
}

void nb_db_bind_run(sqlite3_stmt *st, int at, const nb_run *run, int64_t id, int repeat)
{
    sqlite3_bind_int64(st, at, id);
    sqlite3_bind_int64(st, at + 1, run->module_id);
    sqlite3_bind_int(st, at + 2, run->epochs);
    sqlite3_bind_int(st, at + 3, repeat);
    bind_opt(st, at + 4, run->has_total_time, 1, run->total_time);
    sqlite3_bind_int64(st, at + 5, run->source_id);
    sqlite3_bind_int64(st, at + 6, nb_db_run_fingerprint(run));
}

int nb_db_run_params(nb_db *db, const nb_run *run)
{
    int known = 1, rc = NB_OK;
    if (run->has_trainable_parameters) {
        cache_module(db, run->module_id);
        rc = module_params_known(db, &known);
    }
    if (rc || known)
        return rc;
    sqlite3_stmt *st;
    rc = nb_db_stmt(db, "UPDATE modules SET trainable_parameters = ?1 WHERE id = ?2", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, run->trainable_parameters);
    sqlite3_bind_int64(st, 2, run->module_id);
    db->module_has_params = 1;
    return nb_db_step_done(db, st, "setting the parameter count");
}

static int insert_run(nb_db *db, const nb_run *run, int64_t *run_id)
{
    int64_t id;
    int repeat;
    int rc = nb_db_resolve_run(db, run, &id, &repeat);
    sqlite3_stmt *st;
    if (!rc)
        rc = nb_db_stmt(db, nb_db_sql_run_row, &st);
    if (rc)
        return rc;
    nb_db_bind_run(st, 1, run, id, repeat);
    rc = nb_db_step_done(db, st, "adding a run");
    if (!rc)
        rc = insert_evaluations(db, run, id);
    if (!rc)
        rc = nb_db_run_params(db, run);
    if (!rc && run_id)
        *run_id = id;
    return rc;
}

int nb_db_add_run(nb_db *db, const nb_run *run, int64_t *run_id)
{
    if (run->num_evaluations < 0 || (run->num_evaluations > 0 && !run->evaluations))
        return nb_seterr(NB_EUSAGE, "nb_db_add_run: bad evaluations");
    if (!sqlite3_get_autocommit(nb_db_sqlite(db)))
        return insert_run(db, run, run_id);
    int rc = nb_db_begin(db);
    if (rc)
        return rc;
    rc = insert_run(db, run, run_id);
    if (!rc)
        return nb_db_commit(db);
    nb_db_rollback(db);
    return rc;
}

/* ---- the "same run" test ------------------------------------------------- */

static int same_double(sqlite3_stmt *st, int col, int present, double v)
{
    if (!present || isnan(v))
        return sqlite3_column_type(st, col) == SQLITE_NULL;
    if (sqlite3_column_type(st, col) != SQLITE_FLOAT)
        return 0;
    double s = sqlite3_column_double(st, col);
    return !memcmp(&s, &v, sizeof v);
}

/* Whether stored run `id` has exactly the evaluations of `run`. */
static int same_evaluations(nb_db *db, int64_t id, const nb_run *run, int *same)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT checkpoint, current_epoch, training_time, train_accuracy,"
                        " validation_accuracy, test_accuracy, checkpoint_path"
                        " FROM evaluations WHERE run_id = ?1 ORDER BY checkpoint",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int n = 0, step;
    *same = 1;
    while (*same && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n >= run->num_evaluations || sqlite3_column_int(st, 0) != n) {
            *same = 0;
            break;
        }
        const nb_evaluation *e = &run->evaluations[n++];
        const char *path = (const char *)sqlite3_column_text(st, 6);
        const char *want = (e->present & NB_EVAL_CHECKPOINT_PATH) ? e->checkpoint_path : NULL;
        *same = same_double(st, 1, e->present & NB_EVAL_CURRENT_EPOCH, e->current_epoch) &&
                same_double(st, 2, e->present & NB_EVAL_TRAINING_TIME, e->training_time) &&
                same_double(st, 3, e->present & NB_EVAL_TRAIN_ACCURACY, e->train_accuracy) &&
                same_double(st, 4, e->present & NB_EVAL_VALIDATION_ACCURACY,
                            e->validation_accuracy) &&
                same_double(st, 5, e->present & NB_EVAL_TEST_ACCURACY, e->test_accuracy) &&
                (path && want ? !strcmp(path, want) : path == want);
    }
    if (*same && n != run->num_evaluations)
        *same = 0;
    sqlite3_reset(st);
    return NB_OK;
}

int nb_db_find_run(nb_db *db, const nb_run *run, int64_t *run_id)
{
    *run_id = 0;
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT id, total_time FROM runs WHERE module_id = ?1 AND epochs = ?2"
                        " AND fingerprint = ?3 AND source_id <> ?4 ORDER BY id",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, run->module_id);
    sqlite3_bind_int(st, 2, run->epochs);
    sqlite3_bind_int64(st, 3, nb_db_run_fingerprint(run));
    sqlite3_bind_int64(st, 4, run->source_id);
    /* Collect candidates first: same_evaluations uses another statement. */
    int64_t cand[16];
    int n = 0, step;
    while (n < 16 && (step = sqlite3_step(st)) == SQLITE_ROW)
        if (same_double(st, 1, run->has_total_time, run->total_time))
            cand[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    for (int i = 0; i < n; i++) {
        int same = 0;
        rc = same_evaluations(db, cand[i], run, &same);
        if (rc)
            return rc;
        if (same) {
            *run_id = cand[i];
            return NB_OK;
        }
    }
    return NB_OK;
}

int nb_db_add_raw_record(nb_db *db, int64_t run_id, const void *payload, size_t len)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, "INSERT INTO raw_records(run_id, payload) VALUES (?1, ?2)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_blob64(st, 2, payload, len, SQLITE_TRANSIENT);
    return nb_db_step_done(db, st, "storing a raw record");
}
