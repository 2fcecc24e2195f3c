/*
 * nb_spec_canon: equal codes exactly for the same module. Checked against
 * the hash and the exact isomorphism test on data made here: the whole
 * enumerated space (every module a distinct code), relabellings of modules
 * (one code), and random pairs of small specs (same code iff isomorphic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nasbench/spec.h"

#define SPACE_MODULES 423624

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

/* A renumbering of the interior vertices that keeps the matrix upper
 * triangular (random tries; the identity always does). */
static void relabel(const nb_spec *s, nb_spec *out)
{
    int n = s->num_vertices, p[NB_MAX_VERTICES];
    for (int tries = 0;; tries++) {
        for (int v = 0; v < n; v++)
            p[v] = v;
        for (int v = n - 2; v > 1 && tries < 200; v--) {
            int w = 1 + (int)rnd((uint32_t)v);
            int t = p[v];
            p[v] = p[w];
            p[w] = t;
        }
        int ok = 1;
        for (int u = 0; u < n; u++)
            for (int v = 0; v < n; v++)
                if (s->matrix[u][v] && p[u] >= p[v])
                    ok = 0;
        if (ok)
            break;
    }
    memset(out, 0, sizeof *out);
    out->num_vertices = n;
    for (int u = 0; u < n; u++) {
        strcpy(out->ops[p[u]], s->ops[u]);
        for (int v = 0; v < n; v++)
            out->matrix[p[u]][p[v]] = s->matrix[u][v];
    }
}

typedef struct space {
    uint64_t *codes;
    int n;
    int relabelled;
} space;

static int on_module(void *ctx, const nb_spec *spec, const char *hash)
{
    space *sp = ctx;
    uint64_t code, again;
    if (nb_spec_canon(spec, &code) || code == 0)
        fail_msg("module %s: %s", hash, nb_errmsg());
    if (sp->n == SPACE_MODULES)
        fail_msg("more modules than the space has");
    sp->codes[sp->n++] = code;
    if (sp->n % 97 == 0) { /* a renumbering of every 97th: same code, same hash */
        nb_spec other;
        char h[NB_HASH_HEX + 1];
        relabel(spec, &other);
        assert_int_equal(nb_spec_canon(&other, &again), NB_OK);
        assert_true(again == code);
        assert_int_equal(nb_spec_hash(&other, h), NB_OK);
        assert_string_equal(h, hash);
        sp->relabelled++;
    }
    return NB_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_every_module_its_own_code(void **state)
{
    (void)state;
    space sp = {calloc(SPACE_MODULES, sizeof(uint64_t)), 0, 0};
    assert_non_null(sp.codes);
    nb_enum_callbacks cb = {on_module, NULL, NULL, &sp};
    assert_int_equal(nb_enumerate(NULL, &cb), NB_OK);
    assert_int_equal(sp.n, SPACE_MODULES);
    assert_true(sp.relabelled > 4000);
    qsort(sp.codes, (size_t)sp.n, sizeof *sp.codes, cmp_u64);
    for (int i = 1; i < sp.n; i++)
        if (sp.codes[i] == sp.codes[i - 1])
            fail_msg("two modules share code %llx", (unsigned long long)sp.codes[i]);
    free(sp.codes);
}

/* A random upper-triangular spec of n vertices, pruned; 0 when out of the
 * space (then nothing is compared). */
static int random_pruned(int n, nb_spec *pruned)
{
    static const char *const ops[3] = {"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
    nb_spec s;
    memset(&s, 0, sizeof s);
    s.num_vertices = n;
    for (int u = 0; u < n; u++)
        for (int v = u + 1; v < n; v++)
            s.matrix[u][v] = rnd(100) < 45;
    strcpy(s.ops[0], "input");
    strcpy(s.ops[n - 1], "output");
    for (int v = 1; v < n - 1; v++)
        strcpy(s.ops[v], ops[rnd(2)]); /* two ops: more isomorphic pairs */
    return nb_spec_resolve(&s, pruned, NULL) == NB_OK;
}

static void test_random_pairs(void **state)
{
    (void)state;
    int same = 0, differ = 0;
    for (int i = 0; i < 200000; i++) {
        nb_spec a, b;
        int n = 3 + (int)rnd(3);
        if (!random_pruned(n, &a) || !random_pruned(n, &b))
            continue;
        uint64_t ca, cb;
        assert_int_equal(nb_spec_canon(&a, &ca), NB_OK);
        assert_int_equal(nb_spec_canon(&b, &cb), NB_OK);
        int iso = nb_spec_isomorphic(&a, &b);
        if ((ca == cb) != iso)
            fail_msg("pair %d: codes %s but isomorphic %d", i, ca == cb ? "equal" : "differ",
                     iso);
        same += iso;
        differ += !iso;
    }
    assert_true(same > 1000);
    assert_true(differ > 1000);
}

static void test_outside_the_space(void **state)
{
    (void)state;
    nb_spec s;
    uint64_t code = 1;
    assert_int_equal(nb_spec_parse(&s, "010000000000000000000000000000000000000000000000000000000000000"
                                       "0",
                                   "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                                   "conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output"),
                     NB_OK);
    assert_int_equal(nb_spec_canon(&s, &code), NB_EDOMAIN); /* 8 vertices */
    assert_true(code == 0);
    assert_int_equal(nb_spec_parse(&s, "010001000", "input,conv5x5,output"), NB_OK);
    assert_int_equal(nb_spec_canon(&s, &code), NB_EDOMAIN); /* unknown op */
    assert_int_equal(nb_spec_parse(&s, "011000000", "input,conv3x3-bn-relu,output"), NB_OK);
    assert_int_equal(nb_spec_canon(&s, &code), NB_EDOMAIN); /* not pruned: a dead end */
    assert_int_equal(nb_spec_parse(&s, "010001000", "input,conv3x3-bn-relu,output"), NB_OK);
    assert_int_equal(nb_spec_canon(&s, &code), NB_OK);
    assert_true(code != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_module_its_own_code),
        cmocka_unit_test(test_random_pairs),
        cmocka_unit_test(test_outside_the_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
