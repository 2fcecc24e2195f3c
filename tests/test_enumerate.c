/* Enumeration with small vertex limits (the full space runs in
 * tests/cli/generate.sh and tests/bench_generate.c): per-vertex counts,
 * canonical forms of reference 5.1/5.2, determinism across thread counts,
 * isomorphism verification, option checks, and nb_spec_isomorphic. */
#include "nb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nasbench/spec.h"

typedef struct collected {
    int count, cap;
    char (*hash)[NB_HASH_HEX + 1];
    nb_spec *spec;
    nb_enum_vertex_stats stats[NB_ENUM_MAX_VERTICES + 1];
    int stop_after; /* on_module fails after this many modules (0: never) */
} collected;

static int on_module(void *ctx, const nb_spec *spec, const char *hash)
{
    collected *c = ctx;
    if (c->stop_after && c->count == c->stop_after)
        return nb_seterr(NB_EINTR, "stopped");
    if (c->count == c->cap) { /* geometric growth: 64k modules in the big case */
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->spec = realloc(c->spec, (size_t)c->cap * sizeof *c->spec);
        c->hash = realloc(c->hash, (size_t)c->cap * sizeof *c->hash);
        assert_non_null(c->spec);
        assert_non_null(c->hash);
    }
    c->spec[c->count] = *spec;
    strcpy(c->hash[c->count], hash);
    c->count++;
    return NB_OK;
}

static int on_stats(void *ctx, const nb_enum_vertex_stats *s)
{
    collected *c = ctx;
    c->stats[s->num_vertices] = *s;
    return NB_OK;
}

static void run_enum_every(collected *c, int max_v, int max_e, int verify, int threads, int every)
{
    memset(c, 0, sizeof *c);
    nb_enum_options opt = {max_v, max_e, verify, threads, every};
    nb_enum_callbacks cb = {on_module, on_stats, NULL, c};
    if (nb_enumerate(&opt, &cb))
        fail_msg("enumerate: %s", nb_errmsg());
}

static void run_enum(collected *c, int max_v, int max_e, int verify, int threads)
{
    run_enum_every(c, max_v, max_e, verify, threads, 0);
}

static void release(collected *c)
{
    free(c->spec);
    free(c->hash);
}

static void test_counts_up_to_6(void **state)
{
    (void)state;
    collected c;
    run_enum(&c, 6, 9, 0, 2);
    static const long graphs[] = {0, 0, 1, 2, 10, 121, 1545};
    static const long labelled[] = {0, 0, 1, 6, 90, 3267, 125145};
    static const long fresh[] = {0, 0, 1, 6, 84, 2441, 62010};
    long cumulative = 0;
    for (int v = 2; v <= 6; v++) {
        cumulative += fresh[v];
        assert_int_equal(c.stats[v].num_vertices, v);
        assert_int_equal(c.stats[v].graphs, graphs[v]);
        assert_int_equal(c.stats[v].labelled_graphs, labelled[v]);
        assert_int_equal(c.stats[v].new_unique, fresh[v]);
        assert_int_equal(c.stats[v].cumulative_unique, cumulative);
    }
    assert_int_equal(c.count, 64542);
    /* every module is new and in the space, its hash is its spec's hash */
    for (int i = 0; i < c.count; i += 97) {
        char h[NB_HASH_HEX + 1];
        assert_int_equal(nb_spec_resolve(&c.spec[i], NULL, h), NB_OK);
        assert_string_equal(h, c.hash[i]);
    }
    release(&c);
}

/* Reference 5.2: all 7 modules with at most 3 vertices, in order. */
static void test_small_canonical_forms(void **state)
{
    (void)state;
    static const char *const want[][3] = {
        {"043721b9c7fe8c5fad811d47d83132ec", "0100", "input,output"},
        {"b49ac8c578b4561d79ac7087988f1c61", "010001000", "input,conv3x3-bn-relu,output"},
        {"d1269d9156ddc027c40473008192958a", "010001000", "input,conv1x1-bn-relu,output"},
        {"53cee42601ad14d661bb6878031d6acb", "010001000", "input,maxpool3x3,output"},
        {"d32d0b26d534203b48d866facd98cc3e", "011001000", "input,conv3x3-bn-relu,output"},
        {"09fc2d10bdd6225e167a6f81a22a3f06", "011001000", "input,conv1x1-bn-relu,output"},
        {"6f6257bc3b12d87b8736e81cd4b7ed8b", "011001000", "input,maxpool3x3,output"},
    };
    collected c;
    run_enum(&c, 3, 9, 0, 1);
    assert_int_equal(c.count, 7);
    for (int i = 0; i < 7; i++) {
        char bits[64], ops[256];
        nb_spec_adjacency_bits(&c.spec[i], bits, sizeof bits);
        nb_spec_ops_csv(&c.spec[i], ops, sizeof ops);
        assert_string_equal(c.hash[i], want[i][0]);
        assert_string_equal(bits, want[i][1]);
        assert_string_equal(ops, want[i][2]);
    }
    release(&c);
}

/* Reference 5.1: the diamond's canonical labels are [-1,0,1,-2]. */
static void test_diamond_canonical(void **state)
{
    (void)state;
    collected c;
    run_enum(&c, 4, 9, 0, 2);
    int found = 0;
    for (int i = 0; i < c.count; i++) {
        if (strcmp(c.hash[i], "1af995a92568cf42af2c2668f72834ea"))
            continue;
        char bits[64], ops[256];
        nb_spec_adjacency_bits(&c.spec[i], bits, sizeof bits);
        nb_spec_ops_csv(&c.spec[i], ops, sizeof ops);
        assert_string_equal(bits, "0110000100010000");
        assert_string_equal(ops, "input,conv3x3-bn-relu,conv1x1-bn-relu,output");
        found++;
    }
    assert_int_equal(found, 1);
    release(&c);
}

/* The same sequence whatever the thread count. */
static void test_deterministic(void **state)
{
    (void)state;
    collected a, b;
    run_enum(&a, 5, 9, 0, 1);
    run_enum(&b, 5, 9, 0, 3);
    assert_int_equal(a.count, 2532);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.hash, b.hash, (size_t)a.count * sizeof *a.hash);
    assert_memory_equal(a.spec, b.spec, (size_t)a.count * sizeof *a.spec);
    release(&a);
    release(&b);
}

/* Hashing one labelled graph per isomorphism class gives exactly what
 * hashing all of them gives, with far fewer hashes. */
static void test_classes_equal_every_graph(void **state)
{
    (void)state;
    collected a, b;
    run_enum_every(&a, 6, 9, 0, 2, 0);
    run_enum_every(&b, 6, 9, 0, 2, 1);
    assert_int_equal(a.count, 64542);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.hash, b.hash, (size_t)a.count * sizeof *a.hash);
    assert_memory_equal(a.spec, b.spec, (size_t)a.count * sizeof *a.spec);
    assert_int_equal(b.stats[6].hashed, 125145);
    /* one hash per labelled graph up to isomorphism = the new modules here */
    for (int v = 2; v <= 6; v++)
        assert_int_equal(a.stats[v].hashed, a.stats[v].new_unique);
    release(&a);
    release(&b);
    /* also with a tighter edge limit (other classes) and 8 vertices' code path
     * exercised on 4 edges... 8 vertices need 7 edges at least: use 7 */
    run_enum_every(&a, 8, 7, 0, 2, 0);
    run_enum_every(&b, 8, 7, 0, 2, 1);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.hash, b.hash, (size_t)a.count * sizeof *a.hash);
    assert_int_equal(a.stats[8].graphs, 1); /* the chain */
    release(&a);
    release(&b);
}

/* Verification finds no false collision, and the edge limit is applied. */
static void test_verify_and_edge_limit(void **state)
{
    (void)state;
    collected c;
    run_enum(&c, 5, 9, 1, 2);
    for (int v = 2; v <= 5; v++)
        assert_int_equal(c.stats[v].false_collisions, 0);
    assert_int_equal(c.count, 2532);
    release(&c);
    run_enum(&c, 5, 4, 0, 2);
    assert_int_equal(c.stats[5].graphs, 1); /* only the chain has 4 edges */
    assert_int_equal(c.stats[5].labelled_graphs, 27);
    for (int i = 0; i < c.count; i++)
        assert_true(nb_spec_num_edges(&c.spec[i]) <= 4);
    release(&c);
}

static void test_options_and_stop(void **state)
{
    (void)state;
    nb_enum_options opt;
    nb_enum_options_default(&opt);
    assert_int_equal(opt.max_vertices, 7);
    assert_int_equal(opt.max_edges, 9);
    opt.max_vertices = 1;
    assert_int_equal(nb_enumerate(&opt, NULL), NB_EUSAGE);
    opt.max_vertices = NB_ENUM_MAX_VERTICES + 1;
    assert_int_equal(nb_enumerate(&opt, NULL), NB_EUSAGE);
    opt.max_vertices = 4;
    opt.max_edges = 0;
    assert_int_equal(nb_enumerate(&opt, NULL), NB_EUSAGE);
    /* a callback's error stops the run and comes back */
    collected c;
    memset(&c, 0, sizeof c);
    c.stop_after = 10;
    nb_enum_options o = {5, 9, 0, 2, 0};
    nb_enum_callbacks cb = {on_module, on_stats, NULL, &c};
    assert_int_equal(nb_enumerate(&o, &cb), NB_EINTR);
    assert_int_equal(c.count, 10);
    release(&c);
}

static void test_isomorphic(void **state)
{
    (void)state;
    nb_spec a, b, d;
    /* the Inception cell and its stored canonical form */
    assert_int_equal(nb_spec_parse(&a, "[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],"
                                   "[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
                                   "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                                   "conv3x3-bn-relu,maxpool3x3,output"), 0);
    assert_int_equal(nb_spec_parse(&b, "[[0,1,1,1,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],"
                                   "[0,0,0,0,0,0,1],[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
                                   "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,"
                                   "conv3x3-bn-relu,conv3x3-bn-relu,output"), 0);
    assert_true(nb_spec_isomorphic(&a, &b));
    assert_true(nb_spec_isomorphic(&b, &a));
    /* same graph, one op swapped: not isomorphic */
    d = b;
    strcpy(d.ops[3], "conv1x1-bn-relu");
    assert_false(nb_spec_isomorphic(&a, &d));
    /* same degrees and ops, different wiring */
    assert_int_equal(nb_spec_parse(&a, "[[0,1,1,0,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]]",
                                   "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"), 0);
    assert_int_equal(nb_spec_parse(&b, "[[0,1,1,0,0],[0,0,0,0,1],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]]",
                                   "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"), 0);
    assert_true(nb_spec_isomorphic(&a, &b));
    assert_int_equal(nb_spec_parse(&b, "[[0,1,0,1,0],[0,0,1,0,1],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]]",
                                   "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"), 0);
    assert_false(nb_spec_isomorphic(&a, &b));
    /* two chains: equal degrees and op multisets, different op order */
    const char *chains = "[[0,1,1,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1],[0,0,0,0,0,1],"
                         "[0,0,0,0,0,0]]";
    assert_int_equal(nb_spec_parse(&a, chains, "input,conv3x3-bn-relu,conv1x1-bn-relu,"
                                   "conv1x1-bn-relu,conv3x3-bn-relu,output"), 0);
    assert_int_equal(nb_spec_parse(&b, chains, "input,conv3x3-bn-relu,conv1x1-bn-relu,"
                                   "conv3x3-bn-relu,conv1x1-bn-relu,output"), 0);
    assert_false(nb_spec_isomorphic(&a, &b));
    assert_int_equal(nb_spec_parse(&d, chains, "input,conv1x1-bn-relu,conv3x3-bn-relu,"
                                   "conv3x3-bn-relu,conv1x1-bn-relu,output"), 0);
    assert_true(nb_spec_isomorphic(&a, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_up_to_6),
        cmocka_unit_test(test_small_canonical_forms),
        cmocka_unit_test(test_diamond_canonical),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_classes_equal_every_graph),
        cmocka_unit_test(test_verify_and_edge_limit),
        cmocka_unit_test(test_options_and_stop),
        cmocka_unit_test(test_isomorphic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
