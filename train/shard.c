/* Work lists and their split across workers, as the original split its
 * evaluation (reference, section 8): models sorted, unit i = (model
 * sorted[i mod N], repeat i div N + 1), worker w takes w, w + W, ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_json.h"
#include "nb_spec_json.h"
#include "nb_train.h"

int nb_shard_parse(const char *text, int *index, int *count)
{
    char *end;
    long i = strtol(text, &end, 10);
    if (end == text || *end != '/')
        return nb_seterr(NB_EUSAGE, "shard '%s' is not I/N", text);
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (end == rest || *end != '\0')
        return nb_seterr(NB_EUSAGE, "shard '%s' is not I/N", text);
    if (n < 1 || n > 1000000 || i < 0 || i >= n)
        return nb_seterr(NB_EUSAGE, "shard '%s': want 0 <= I < N", text);
    *index = (int)i;
    *count = (int)n;
    return NB_OK;
}

void nb_shard_unit(int64_t unit, int models, int *model, int *repeat)
{
    *model = (int)(unit % models);
    *repeat = (int)(unit / models) + 1;
}

void nb_train_work_free(nb_train_work *work)
{
    if (!work)
        return;
    free(work->specs);
    free(work->hashes);
    memset(work, 0, sizeof *work);
}

static int work_push(nb_train_work *work, const nb_spec *pruned, const char *hash)
{
    if (work->count == work->capacity) {
        int cap = work->capacity ? work->capacity * 2 : 16;
        nb_spec *specs = realloc(work->specs, (size_t)cap * sizeof *specs);
        if (!specs)
            return nb_seterr(NB_ENOMEM, "out of memory for a work list of %d modules", cap);
        work->specs = specs;
        char(*hashes)[NB_HASH_HEX + 1] = realloc(work->hashes, (size_t)cap * sizeof *hashes);
        if (!hashes)
            return nb_seterr(NB_ENOMEM, "out of memory for a work list of %d modules", cap);
        work->hashes = hashes;
        work->capacity = cap;
    }
    work->specs[work->count] = *pruned;
    memcpy(work->hashes[work->count], hash, NB_HASH_HEX + 1);
    work->count++;
    return NB_OK;
}

int nb_train_work_add_spec(nb_train_work *work, const nb_spec *spec)
{
    nb_spec pruned;
    char hash[NB_HASH_HEX + 1];
    int rc = nb_spec_resolve(spec, &pruned, hash);
    if (rc != NB_OK)
        return rc;
    return work_push(work, &pruned, hash);
}

/* One JSON line {"matrix": ..., "ops": ...} (the output of `generate`). */
static int add_json_line(nb_train_work *work, nb_json_doc *doc, const char *line, size_t len)
{
    const nb_json *root;
    int rc = nb_json_parse(doc, line, len, &root);
    if (rc != NB_OK)
        return rc;
    if (root->type != NB_JSON_OBJECT)
        return nb_seterr(NB_EINVAL, "not a JSON object");
    nb_spec spec;
    rc = nb_spec_from_json(&spec, nb_json_get(root, "matrix"), nb_json_get(root, "ops"));
    return rc == NB_OK ? nb_train_work_add_spec(work, &spec) : rc;
}

int nb_train_work_add_specs_file(nb_train_work *work, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f)
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    nb_json_doc *doc = nb_json_doc_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = doc ? NB_OK : nb_seterr(NB_ENOMEM, "out of memory");
    while (rc == NB_OK && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n > 0 && (rc = add_json_line(work, doc, line, (size_t)n)) != NB_OK)
            rc = nb_preferr(rc, "%s: line %ld", path, lineno);
    }
    free(line);
    nb_json_doc_free(doc);
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* Adds the row the statement is on: (hash, adjacency, operations). */
static int push_row(nb_train_work *work, sqlite3_stmt *st)
{
    const char *hash = (const char *)sqlite3_column_text(st, 0);
    const char *adj = (const char *)sqlite3_column_text(st, 1);
    const char *ops = (const char *)sqlite3_column_text(st, 2);
    nb_spec spec;
    int rc = nb_spec_parse(&spec, adj ? adj : "", ops ? ops : "");
    if (rc == NB_OK)
        rc = nb_train_work_add_spec(work, &spec);
    if (rc == NB_OK && strcmp(work->hashes[work->count - 1], hash ? hash : "") != 0) {
        rc = nb_seterr(NB_ECORRUPT, "module %s: stored spec hashes to %s", hash ? hash : "?",
                       work->hashes[work->count - 1]);
        work->count--;
    }
    return rc == NB_OK ? rc : nb_preferr(rc, "module %s", hash ? hash : "?");
}

int nb_train_work_add_hash(nb_train_work *work, nb_db *db, const char *hash)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, "SELECT hash, adjacency, operations FROM modules WHERE hash = ?1", &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = push_row(work, st);
    else if (s == SQLITE_DONE)
        rc = nb_seterr(NB_ENOTFOUND, "no module with hash '%s' in the database", hash);
    else
        rc = nb_seterr(NB_EDB, "module lookup: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    sqlite3_reset(st);
    return rc;
}

int nb_train_work_add_missing(nb_train_work *work, nb_db *db, int epochs, const char *key)
{
    /* The campaign's own runs do not count, so that the list of a restarted
     * campaign is the list it started with and the shards stay aligned. */
    static const char sql[] =
        "SELECT m.hash, m.adjacency, m.operations FROM modules m WHERE NOT EXISTS ("
        " SELECT 1 FROM runs r JOIN sources s ON s.id = r.source_id"
        " WHERE r.module_id = m.id AND r.epochs = ?1"
        " AND NOT (s.kind = 'trainer' AND json_extract(s.config, '$.campaign') IS ?2))"
        " ORDER BY m.hash";
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, sql, &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_int(st, 1, epochs);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    int s;
    while (rc == NB_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = push_row(work, st);
    if (rc == NB_OK && s != SQLITE_DONE)
        rc = nb_seterr(NB_EDB, "listing modules without runs: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    sqlite3_reset(st);
    return rc;
}

/* qsort needs the spec and its hash side by side. */
typedef struct work_item {
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
} work_item;

static int by_hash(const void *a, const void *b)
{
    return strcmp(((const work_item *)a)->hash, ((const work_item *)b)->hash);
}

int nb_train_work_sort(nb_train_work *work)
{
    if (work->count < 2)
        return NB_OK;
    work_item *items = malloc((size_t)work->count * sizeof *items);
    if (!items)
        return nb_seterr(NB_ENOMEM, "out of memory sorting %d modules", work->count);
    for (int i = 0; i < work->count; i++) {
        items[i].spec = work->specs[i];
        memcpy(items[i].hash, work->hashes[i], sizeof items[i].hash);
    }
    qsort(items, (size_t)work->count, sizeof *items, by_hash);
    int out = 0;
    for (int i = 0; i < work->count; i++)
        if (out == 0 || strcmp(work->hashes[out - 1], items[i].hash) != 0) {
            work->specs[out] = items[i].spec;
            memcpy(work->hashes[out], items[i].hash, NB_HASH_HEX + 1);
            out++;
        }
    work->count = out;
    free(items);
    return NB_OK;
}
