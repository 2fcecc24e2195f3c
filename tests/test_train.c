/* The trainer end to end on a tiny network and a synthetic dataset written
 * here in the CIFAR-10 binary format: it learns, it writes runs into the
 * database, a killed run resumes to the same result, reruns add nothing,
 * shards cover every unit once and merge back together; the original's two
 * safety rules: the time cap stops training early, and a run whose loss
 * becomes non-finite is retried with a new seed, then skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nasbench/merge.h"
#include "nasbench/train.h"
#include "nb_test.h"
#include "nb_train.h"

enum { IMAGES = 320 };

/* Class c is a colour: the base-3 digits of c pick one of three levels per
 * channel; uniform noise of +-25 on every pixel. Learnable, not trivial. */
static void write_split(const char *path, int n, uint32_t seed)
{
    static const int level[3] = {30, 128, 225};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t s = seed * 2654435761u + 1;
    for (int i = 0; i < n; i++) {
        int c = (int)((i * 7u + seed) % 10);
        int digit[3] = {c / 9 % 3, c / 3 % 3, c % 3};
        fputc(c, f);
        for (int ch = 0; ch < 3; ch++)
            for (int p = 0; p < 1024; p++) {
                s = s * 1664525u + 1013904223u;
                int v = level[digit[ch]] + (int)(s >> 24) % 51 - 25;
                fputc(v < 0 ? 0 : v > 255 ? 255 : v, f);
            }
    }
    fclose(f);
}

static const char *data_dir(void)
{
    static char dir[1024];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof dir, "%s", nb_test_tmp("cifar"));
    assert_int_equal(mkdir(dir, 0755), 0);
    const char *names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    for (int i = 0; i < 6; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        write_split(path, IMAGES / 2, (uint32_t)i + 1);
    }
    return dir;
}

static void tiny_options(nb_train_options *o, const char *ckpt)
{
    static char dirs[4][1024];
    static int next;
    char *dir = dirs[next++ % 4]; /* nb_test_tmp's buffer is reused by the next call */
    snprintf(dir, sizeof dirs[0], "%s", ckpt);
    nb_train_options_default(o);
    o->config.stem_channels = 8;
    o->config.num_stacks = 1;
    o->config.modules_per_stack = 1;
    o->config.batch_size = 32;
    o->config.train_images = IMAGES;
    o->config.eval_images = IMAGES / 2;
    /* 60 steps are too few for the original 0.997 to move the inference
     * statistics away from their initial values */
    o->config.bn_momentum = 0.9f;
    o->epochs = 6; /* 60 steps, halfway 30 */
    o->seed = 7;
    o->threads = 1;
    o->checkpoint_dir = dir;
    o->checkpoint_steps = 10;
}

static void add_spec(nb_train_work *w, const char *matrix, const char *ops)
{
    nb_spec s;
    assert_int_equal(nb_spec_parse(&s, matrix, ops), NB_OK);
    assert_int_equal(nb_train_work_add_spec(w, &s), NB_OK);
}

static const char *chain = "[[0,1,0],[0,0,1],[0,0,0]]";
static const char *chain_ops = "input,conv1x1-bn-relu,output";

static int64_t q(nb_db *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(nb_db_stmt(db, sql, &st), NB_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

static nb_train_result last;
static int results;

static void keep(const nb_train_result *r, void *ctx)
{
    (void)ctx;
    last = *r;
    results++;
}

/* One session into a fresh or existing database file. */
static int session(const char *db_name, const nb_train_options *o, nb_train_work *w,
                   nb_db **keep_open)
{
    nb_train_data *d;
    assert_int_equal(nb_train_data_open(data_dir(), &o->config, &d), NB_OK);
    nb_db *db;
    assert_int_equal(nb_db_open(nb_test_tmp(db_name), NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_train_work_sort(w), NB_OK);
    int rc = nb_train_session(db, w, d, o, keep, NULL);
    if (rc != NB_OK)
        printf("# session: %s\n", nb_errmsg());
    nb_train_data_close(d);
    if (keep_open)
        *keep_open = db;
    else
        nb_db_close(db);
    return rc;
}

static nb_train_result reference;

static void test_learns_and_writes_the_run(void **state)
{
    (void)state;
    nb_train_options o;
    tiny_options(&o, nb_test_tmp("ck1"));
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    nb_db *db;
    /* the module is there without its parameter count, as a generated list */
    assert_int_equal(nb_db_open(nb_test_tmp("one.db"), NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_db_add_module(db, w.hashes[0], "010001000", chain_ops, 3, 2, -1, NULL),
                     NB_OK);
    nb_db_close(db);
    results = 0;
    assert_int_equal(session("one.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    reference = last;
    const nb_evaluation *e = last.evaluations;
    printf("# accuracies: step0 %.3f  half %.3f/%.3f/%.3f  final %.3f/%.3f/%.3f\n",
           e[0].validation_accuracy, e[1].train_accuracy, e[1].validation_accuracy,
           e[1].test_accuracy, e[2].train_accuracy, e[2].validation_accuracy, e[2].test_accuracy);
    /* far above chance (0.1) after 60 steps */
    assert_true(e[2].validation_accuracy > 0.6);
    assert_true(e[2].test_accuracy > 0.6);
    assert_true(e[2].train_accuracy > 0.6);
    assert_true(e[0].current_epoch == 0.0 && e[1].current_epoch == 3.0 && e[2].current_epoch == 6.0);
    /* the default cap (4 h) is far away; the first attempt did it */
    assert_int_equal(last.stopped_early, 0);
    assert_int_equal(last.steps, 60);
    assert_int_equal(last.attempt, 1);
    assert_true(last.run_seed == last.unit_seed);
    assert_true(e[0].training_time > 0 && e[1].training_time > e[0].training_time &&
                e[2].training_time > e[1].training_time);
    assert_true(last.total_time >= e[2].training_time);
    for (int i = 0; i < 3; i++) { /* accuracies are float32(k / n) */
        double k = e[i].test_accuracy * (IMAGES / 2);
        assert_true((double)((float)(long)(k + 0.5) / (float)(IMAGES / 2)) == e[i].test_accuracy);
        assert_true((double)(float)e[i].training_time == e[i].training_time);
    }
    /* the database: module, run, 3 evaluations, a trainer source */
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(q(db, "SELECT count(*) FROM evaluations"), 3);
    /* the full network's count (section 6.5), not the tiny network's */
    assert_int_equal(q(db, "SELECT trainable_parameters FROM modules"), 1920138);
    assert_int_equal(last.trainable_parameters,
                     q(db, "SELECT json_extract(config, '$.network_trainable_parameters')"
                           " FROM sources"));
    assert_true(last.trainable_parameters < 10000);
    assert_int_equal(q(db, "SELECT count(*) FROM run_metrics WHERE source_kind = 'trainer'"
                           " AND epochs = 6 AND repeat = 0 AND final_test_accuracy > 0.6"),
                     1);
    assert_int_equal(q(db, "SELECT json_extract(config, '$.config.stem_channels') FROM sources"
                           " WHERE kind = 'trainer'"),
                     8);
    assert_int_equal(q(db, "SELECT length(json_extract(config, '$.data.\"test_batch.bin\"'))"
                           " FROM sources"),
                     64);
    assert_int_equal(q(db, "SELECT json_extract(config, '$.seed') FROM sources"), 7);
    assert_int_equal(q(db, "SELECT json_extract(config, '$.config.max_train_seconds') = 14400"
                           " AND json_extract(config, '$.stopped_early') = 0"
                           " AND json_extract(config, '$.steps') = 60"
                           " AND json_extract(config, '$.attempt') = 1"
                           " AND json_extract(config, '$.max_attempts') = 5 FROM sources"),
                     1);
    nb_db_close(db);
    /* no checkpoint is left once the run is stored */
    char path[2048];
    snprintf(path, sizeof path, "%s", nb_test_tmp("ck1"));
    assert_int_equal(rmdir(path), 0);
    /* the same command again: nothing to do; more repeats: only the new one */
    results = 0;
    assert_int_equal(session("one.db", &o, &w, NULL), NB_OK);
    assert_int_equal(results, 0);
    o.repeats = 2;
    assert_int_equal(session("one.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    assert_int_equal(last.unit_repeat, 2);
    assert_int_equal(last.repeat, 1);
    assert_true(last.run_seed != reference.run_seed);
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 2);
    nb_db_close(db);
    nb_train_work_free(&w);
}

static void test_resume_after_kill(void **state)
{
    (void)state;
    nb_train_options o;
    tiny_options(&o, nb_test_tmp("ck2"));
    o.crash_after_steps = 37; /* past halfway; last checkpoint at step 30 */
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    nb_db *db;
    assert_int_equal(session("kill.db", &o, &w, &db), NB_EINTR);
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 0); /* nothing of the run */
    assert_int_equal(q(db, "SELECT count(*) FROM evaluations"), 0);
    nb_db_close(db);
    o.crash_after_steps = 0;
    o.resume = 1;
    results = 0;
    assert_int_equal(session("kill.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 1);
    nb_db_close(db);
    /* exactly the run that was never interrupted */
    for (int i = 0; i < 3; i++) {
        assert_true(last.evaluations[i].train_accuracy == reference.evaluations[i].train_accuracy);
        assert_true(last.evaluations[i].validation_accuracy ==
                    reference.evaluations[i].validation_accuracy);
        assert_true(last.evaluations[i].test_accuracy == reference.evaluations[i].test_accuracy);
    }
    /* a damaged checkpoint is not trusted: the run restarts cleanly */
    o.crash_after_steps = 12;
    o.resume = 0;
    assert_int_equal(session("kill2.db", &o, &w, NULL), NB_EINTR);
    char ck[2048];
    snprintf(ck, sizeof ck, "%s", nb_test_tmp("ck2"));
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.ckpt; do printf garbage > \"$f\"; done", ck);
    assert_int_equal(system(cmd), 0);
    o.crash_after_steps = 0;
    o.resume = 1;
    assert_int_equal(session("kill2.db", &o, &w, NULL), NB_OK);
    assert_true(last.evaluations[2].test_accuracy == reference.evaluations[2].test_accuracy);
    nb_train_work_free(&w);
}

static void test_shards_cover_and_merge(void **state)
{
    (void)state;
    nb_train_options o;
    tiny_options(&o, nb_test_tmp("ck3"));
    o.epochs = 2; /* 20 steps */
    o.repeats = 2;
    o.shard_count = 2;
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    add_spec(&w, "[[0,1,0],[0,0,1],[0,0,0]]", "input,maxpool3x3,output");
    add_spec(&w, "[[0,1,1],[0,0,1],[0,0,0]]", "input,conv1x1-bn-relu,output");
    results = 0;
    o.shard_index = 0;
    assert_int_equal(session("shard0.db", &o, &w, NULL), NB_OK);
    assert_int_equal(results, 3); /* 6 units: 0, 2, 4 */
    o.shard_index = 1;
    assert_int_equal(session("shard1.db", &o, &w, NULL), NB_OK);
    assert_int_equal(results, 6);
    nb_db *out;
    assert_int_equal(nb_db_open(nb_test_tmp("merged.db"), NB_OPEN_CREATE, &out), NB_OK);
    char a[2048], b[2048];
    snprintf(a, sizeof a, "%s", nb_test_tmp("shard0.db"));
    snprintf(b, sizeof b, "%s", nb_test_tmp("shard1.db"));
    const char *in[] = {a, b, a};
    nb_merge_stats st;
    assert_int_equal(nb_merge(out, in, 3, &st), NB_OK);
    assert_int_equal(st.runs_added, 6);
    assert_int_equal(st.runs_skipped, 3); /* shard 0 a second time */
    /* every (module, unit repeat) exactly once, repeats 0 and 1 per module */
    assert_int_equal(q(out, "SELECT count(DISTINCT m.hash || ':' ||"
                            " json_extract(s.config, '$.unit_repeat')) FROM runs r"
                            " JOIN modules m ON m.id = r.module_id"
                            " JOIN sources s ON s.id = r.source_id"),
                     6);
    assert_int_equal(q(out, "SELECT count(*) FROM (SELECT module_id FROM runs GROUP BY module_id"
                            " HAVING min(repeat) = 0 AND max(repeat) = 1 AND count(*) = 2)"),
                     3);
    assert_int_equal(q(out, "SELECT count(*) FROM sources WHERE kind = 'trainer'"), 6);
    nb_db_close(out);
    nb_train_work_free(&w);
}

/* ---- the time cap ------------------------------------------------------------ */

static void test_time_cap_stops_training_early(void **state)
{
    (void)state;
    nb_train_options o;
    tiny_options(&o, nb_test_tmp("ck4"));
    o.config.max_train_seconds = 1e-6; /* passed by the very first step */
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    nb_db *db;
    results = 0;
    assert_int_equal(session("cap.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    const nb_evaluation *e = last.evaluations;
    /* one step (the zero-LR one), then the evaluations still due, made there:
     * epoch 0 as always, then the 1 x 32 / 320 epochs actually trained */
    assert_int_equal(last.stopped_early, 1);
    assert_int_equal(last.steps, 1);
    assert_true(e[0].current_epoch == 0.0);
    assert_true(e[1].current_epoch == 0.1 && e[2].current_epoch == 0.1);
    assert_true(e[0].training_time > 1e-6);
    assert_true(e[1].training_time == e[0].training_time);
    assert_true(e[2].training_time == e[0].training_time);
    assert_true(e[2].test_accuracy == e[1].test_accuracy); /* the same weights */
    /* the run is written, and says how it ended */
    assert_int_equal(q(db, "SELECT count(*) FROM evaluations"), 3);
    assert_int_equal(q(db, "SELECT json_extract(config, '$.stopped_early') = 1"
                           " AND json_extract(config, '$.steps') = 1"
                           " AND json_extract(config, '$.config.max_train_seconds') = 1e-06"
                           " FROM sources"),
                     1);
    assert_int_equal(q(db, "SELECT count(*) FROM evaluations WHERE checkpoint = 2"
                           " AND current_epoch < 6"),
                     1);
    nb_db_close(db);
    nb_train_work_free(&w);
}

/* The cap defines the experiment: another cap, another campaign. */
static void test_time_cap_is_part_of_the_campaign(void **state)
{
    (void)state;
    nb_train_options o;
    tiny_options(&o, nb_test_tmp("ck5"));
    nb_train_data *d;
    assert_int_equal(nb_train_data_open(data_dir(), &o.config, &d), NB_OK);
    char k4h[17], knone[17], k1[17];
    assert_int_equal(nb_train_campaign(&o, d, k4h), NB_OK);
    o.config.max_train_seconds = 0;
    assert_int_equal(nb_train_campaign(&o, d, knone), NB_OK);
    o.config.max_train_seconds = 1;
    assert_int_equal(nb_train_campaign(&o, d, k1), NB_OK);
    assert_string_not_equal(k4h, knone);
    assert_string_not_equal(k4h, k1);
    assert_string_not_equal(knone, k1);
    /* the attempt count is not: it never changes a stored run */
    o.max_attempts = 2;
    char k1b[17];
    assert_int_equal(nb_train_campaign(&o, d, k1b), NB_OK);
    assert_string_equal(k1, k1b);
    nb_train_data_close(d);
}

/* ---- retries ------------------------------------------------------------------- */

typedef struct failure_log {
    int n;
    char hash[16][NB_HASH_HEX + 1];
    int attempt[16], skipped[16], code[16];
    uint64_t seed[16];
    char message[16][200];
} failure_log;

static failure_log fails;

static void log_failure(const nb_train_failure *f, void *ctx)
{
    failure_log *l = ctx;
    assert_true(l->n < 16);
    snprintf(l->hash[l->n], sizeof l->hash[0], "%s", f->hash);
    l->attempt[l->n] = f->attempt;
    l->skipped[l->n] = f->skipped;
    l->code[l->n] = f->code;
    l->seed[l->n] = f->run_seed;
    snprintf(l->message[l->n], sizeof l->message[0], "%s", f->message);
    l->n++;
}

static void retry_options(nb_train_options *o, const char *ckpt)
{
    tiny_options(o, ckpt);
    o->epochs = 2; /* 20 steps */
    memset(&fails, 0, sizeof fails);
    o->failure = log_failure;
    o->failure_ctx = &fails;
}

/* Everything a session could write, as text. */
static char *dump(nb_db *db)
{
    return nb_test_rows_text(db, "SELECT 'm', id, hash, trainable_parameters FROM modules"
                                 " UNION ALL SELECT 's', id, kind, config FROM sources"
                                 " UNION ALL SELECT 'r', id, module_id, repeat FROM runs"
                                 " UNION ALL SELECT 'e', run_id, checkpoint, 0 FROM evaluations");
}

static void test_diverging_units_are_retried_then_skipped(void **state)
{
    (void)state;
    nb_train_options o;
    retry_options(&o, nb_test_tmp("ck6"));
    o.config.learning_rate = 1e30f; /* a real divergence: the weights overflow */
    o.max_attempts = 3;
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    add_spec(&w, "[[0,1,0],[0,0,1],[0,0,0]]", "input,maxpool3x3,output");
    assert_int_equal(nb_train_work_sort(&w), NB_OK);
    /* a database with something in it, including a module without its
     * parameter count, which a stored run would fill */
    nb_db *db;
    assert_int_equal(nb_db_open(nb_test_tmp("div.db"), NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_db_add_module(db, w.hashes[0], "010001000", chain_ops, 3, 2, -1, NULL),
                     NB_OK);
    nb_source src = {"generate", NULL, NULL, 1, "{\"x\":1}"};
    assert_int_equal(nb_db_add_source(db, &src, NULL), NB_OK);
    char *before = dump(db);
    nb_db_close(db);
    results = 0;
    assert_int_equal(session("div.db", &o, &w, &db), NB_ERROR);
    assert_non_null(strstr(nb_errmsg(), "2 of 2 work units skipped after 3 failed attempts"));
    assert_int_equal(results, 0);
    /* each unit: attempts 1, 2, 3 with three seeds, the last one skips it */
    assert_int_equal(fails.n, 6);
    for (int u = 0; u < 2; u++) {
        for (int a = 0; a < 3; a++) {
            int i = u * 3 + a;
            assert_string_equal(fails.hash[i], w.hashes[u]);
            assert_int_equal(fails.attempt[i], a + 1);
            assert_int_equal(fails.skipped[i], a == 2);
            assert_int_equal(fails.code[i], NB_ERROR);
            assert_non_null(strstr(fails.message[i], "training diverged: loss is"));
        }
        assert_true(fails.seed[u * 3] != fails.seed[u * 3 + 1]);
        assert_true(fails.seed[u * 3 + 1] != fails.seed[u * 3 + 2]);
        assert_true(fails.seed[u * 3] != fails.seed[u * 3 + 2]);
    }
    /* nothing written, no checkpoint left */
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    nb_db_close(db);
    char path[2048];
    snprintf(path, sizeof path, "%s", nb_test_tmp("ck6"));
    assert_int_equal(rmdir(path), 0);
    nb_train_work_free(&w);
}

static void test_retry_that_succeeds_records_its_attempt(void **state)
{
    (void)state;
    nb_train_options o;
    retry_options(&o, nb_test_tmp("ck7"));
    o.diverge_attempts = 2; /* attempts 1 and 2 get a NaN weight */
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    nb_db *db;
    results = 0;
    assert_int_equal(session("retry.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    assert_int_equal(fails.n, 2);
    assert_int_equal(fails.skipped[0] + fails.skipped[1], 0);
    assert_non_null(strstr(fails.message[0], "loss is nan at step 1"));
    assert_int_equal(last.attempt, 3);
    assert_true(fails.seed[0] == last.unit_seed); /* attempt 1 is the unit's own seed */
    assert_true(last.run_seed != last.unit_seed && last.run_seed != fails.seed[1]);
    assert_true(last.run_seed < (1ULL << 53));
    assert_int_equal(last.steps, 20);
    /* the provenance: attempt, the seed it used, the unit's seed */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT json_extract(config, '$.attempt') = 3"
             " AND json_extract(config, '$.run_seed') = %llu"
             " AND json_extract(config, '$.unit_seed') = %llu FROM sources",
             (unsigned long long)last.run_seed, (unsigned long long)last.unit_seed);
    assert_int_equal(q(db, sql), 1);
    nb_db_close(db);
    /* reproducible: the same session gives the same run */
    nb_train_result first = last;
    memset(&fails, 0, sizeof fails);
    assert_int_equal(session("retry2.db", &o, &w, NULL), NB_OK);
    assert_true(last.run_seed == first.run_seed);
    for (int i = 0; i < 3; i++)
        assert_true(last.evaluations[i].test_accuracy == first.evaluations[i].test_accuracy &&
                    last.evaluations[i].train_accuracy == first.evaluations[i].train_accuracy);
    nb_train_work_free(&w);
}

/* A skipped unit does not stop the job: the next one is trained and stored. */
static void test_skipped_unit_then_the_next(void **state)
{
    (void)state;
    nb_train_options o;
    retry_options(&o, nb_test_tmp("ck8"));
    o.diverge_attempts = 2;
    o.max_attempts = 2; /* the first unit uses both poisoned attempts */
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    add_spec(&w, "[[0,1,1],[0,0,1],[0,0,0]]", "input,conv1x1-bn-relu,output");
    assert_int_equal(nb_train_work_sort(&w), NB_OK);
    nb_db *db;
    results = 0;
    assert_int_equal(session("mixed.db", &o, &w, &db), NB_ERROR);
    assert_non_null(strstr(nb_errmsg(), "1 of 2 work units skipped"));
    assert_non_null(strstr(nb_errmsg(), w.hashes[0]));
    assert_int_equal(fails.n, 2);
    assert_int_equal(fails.skipped[1], 1);
    assert_string_equal(fails.hash[1], w.hashes[0]);
    assert_int_equal(results, 1);
    assert_string_equal(last.hash, w.hashes[1]);
    assert_int_equal(last.attempt, 1);
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(q(db, "SELECT count(*) FROM modules"), 1);
    nb_db_close(db);
    /* a rerun tries the skipped unit again (now without the poison) */
    o.diverge_attempts = 0;
    results = 0;
    assert_int_equal(session("mixed.db", &o, &w, &db), NB_OK);
    assert_int_equal(results, 1);
    assert_string_equal(last.hash, w.hashes[0]);
    assert_int_equal(q(db, "SELECT count(*) FROM runs"), 2);
    nb_db_close(db);
    nb_train_work_free(&w);
}

/* --resume continues the attempt that was running, with its own seed. */
static void test_resume_continues_the_running_attempt(void **state)
{
    (void)state;
    nb_train_options o;
    retry_options(&o, nb_test_tmp("ck9"));
    o.diverge_attempts = 1;
    nb_train_work w = {0};
    add_spec(&w, chain, chain_ops);
    assert_int_equal(session("whole.db", &o, &w, NULL), NB_OK); /* attempt 2, uninterrupted */
    nb_train_result whole = last;
    assert_int_equal(whole.attempt, 2);
    o.crash_after_steps = 14; /* attempt 2 is killed at step 14; checkpoint at 10 */
    assert_int_equal(session("resumed.db", &o, &w, NULL), NB_EINTR);
    char ck[2048];
    snprintf(ck, sizeof ck, "%s", nb_test_tmp("ck9"));
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q -- '-r1-a2.ckpt$'", ck);
    assert_int_equal(system(cmd), 0);
    o.crash_after_steps = 0;
    o.diverge_attempts = 0;
    o.resume = 1;
    memset(&fails, 0, sizeof fails);
    assert_int_equal(session("resumed.db", &o, &w, NULL), NB_OK);
    assert_int_equal(fails.n, 0); /* attempt 1 is not run again */
    assert_int_equal(last.attempt, 2);
    assert_true(last.run_seed == whole.run_seed);
    for (int i = 0; i < 3; i++)
        assert_true(last.evaluations[i].test_accuracy == whole.evaluations[i].test_accuracy &&
                    last.evaluations[i].train_accuracy == whole.evaluations[i].train_accuracy);
    assert_int_equal(rmdir(ck), 0); /* every attempt's checkpoint removed */
    nb_train_work_free(&w);
}

static void test_attempt_seeds_and_what_is_retried(void **state)
{
    (void)state;
    assert_true(nb_train_attempt_seed(12345, 1) == 12345);
    uint64_t seen[6];
    for (int k = 1; k <= 6; k++) {
        seen[k - 1] = nb_train_attempt_seed(12345, k);
        assert_true(seen[k - 1] < (1ULL << 53));
        for (int j = 0; j < k - 1; j++)
            assert_true(seen[j] != seen[k - 1]);
    }
    assert_true(nb_train_attempt_seed(12346, 2) != seen[1]);
    /* failures of the run are retried; those of the whole job are not */
    assert_true(nb_train_retryable(NB_ERROR) && nb_train_retryable(NB_ENOMEM));
    assert_false(nb_train_retryable(NB_EIO) || nb_train_retryable(NB_EDB) ||
                 nb_train_retryable(NB_EINTR) || nb_train_retryable(NB_EINVAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_and_writes_the_run),
        cmocka_unit_test(test_resume_after_kill),
        cmocka_unit_test(test_shards_cover_and_merge),
        cmocka_unit_test(test_time_cap_stops_training_early),
        cmocka_unit_test(test_time_cap_is_part_of_the_campaign),
        cmocka_unit_test(test_diverging_units_are_retried_then_skipped),
        cmocka_unit_test(test_retry_that_succeeds_records_its_attempt),
        cmocka_unit_test(test_skipped_unit_then_the_next),
        cmocka_unit_test(test_resume_continues_the_running_attempt),
        cmocka_unit_test(test_attempt_seeds_and_what_is_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
