/* Every line of reference/vectors/hash_vectors_public.jsonl: pruning, vertex
 * and edge counts, labels, hash (or the hash error), the in-space verdict and
 * the channel counts. Also every isomorphic group must share one hash. */
#include "nb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_json.h"
#include "nb_spec_json.h"

#define TYPE_ERROR "TypeError: 'module' object is not subscriptable"
#define OOD "OutOfDomainError: "

typedef struct vec_file {
    char *text;
    size_t len;
} vec_file;

static int setup(void **state)
{
    const char *path = nb_test_shared("reference/vectors/hash_vectors_public.jsonl");
    vec_file *f = calloc(1, sizeof *f);
    if (path)
        f->text = nb_test_read_file(path, &f->len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    vec_file *f = *state;
    free(f->text);
    free(f);
    return 0;
}

static void expect_matrix(const nb_spec *s, const nb_json *m, long id)
{
    if ((size_t)s->num_vertices != m->len)
        fail_msg("id %ld: pruned size %d, expected %zu", id, s->num_vertices, m->len);
    for (size_t i = 0; i < m->len; i++)
        for (size_t j = 0; j < m->len; j++)
            if (s->matrix[i][j] != m->items[i].items[j].integer)
                fail_msg("id %ld: pruned matrix differs at [%zu][%zu]", id, i, j);
}

static void expect_ops(const nb_spec *s, const nb_json *ops, long id)
{
    assert_int_equal((size_t)s->num_vertices, ops->len);
    for (size_t i = 0; i < ops->len; i++)
        if (strcmp(s->ops[i], ops->items[i].string))
            fail_msg("id %ld: pruned op %zu is %s, expected %s", id, i, s->ops[i],
                     ops->items[i].string);
}

static void expect_channels(const nb_spec *p, const nb_json *vc, long id)
{
    static const int pairs[5][2] = {{128, 128}, {128, 256}, {256, 256}, {256, 512}, {512, 512}};
    assert_non_null(vc);
    assert_int_equal(vc->len, 5);
    for (int k = 0; k < 5; k++) {
        char key[32];
        snprintf(key, sizeof key, "%d->%d", pairs[k][0], pairs[k][1]);
        const nb_json *want = nb_json_get(vc, key);
        assert_non_null(want);
        int ch[NB_MAX_VERTICES];
        if (nb_vertex_channels(p, pairs[k][0], pairs[k][1], ch))
            fail_msg("id %ld: vertex channels failed: %s", id, nb_errmsg());
        assert_int_equal(want->len, (size_t)p->num_vertices);
        for (int v = 0; v < p->num_vertices; v++)
            if (ch[v] != want->items[v].integer)
                fail_msg("id %ld %s: vertex %d has %d channels, expected %lld", id, key, v, ch[v],
                         (long long)want->items[v].integer);
    }
}

/* The verdict string of the vectors, in our terms. */
static void expect_verdict(const nb_spec *pruned, int prune_rc, const char *check, long id)
{
    int rc = prune_rc ? NB_EDOMAIN : nb_spec_check(pruned);
    if (!strcmp(check, "ok")) {
        if (rc)
            fail_msg("id %ld: expected in space, got %s", id, nb_errmsg());
        return;
    }
    char want[512];
    if (!strcmp(check, TYPE_ERROR)) {
        /* The original's crash; we report the message it meant to give. */
        snprintf(want, sizeof want, "too many vertices, got %d (max vertices = 7)",
                 pruned->num_vertices);
    } else {
        assert_true(!strncmp(check, OOD, strlen(OOD)));
        snprintf(want, sizeof want, "%s", check + strlen(OOD));
    }
    if (rc != NB_EDOMAIN)
        fail_msg("id %ld: expected out of domain (%s), got code %d", id, want, rc);
    if (strcmp(nb_errmsg(), want))
        fail_msg("id %ld: message '%s', expected '%s'", id, nb_errmsg(), want);
}

static void check_line(const nb_json *v)
{
    long id = (long)nb_json_get(v, "id")->integer;
    nb_spec spec, pruned;
    if (nb_spec_from_json(&spec, nb_json_get(v, "matrix"), nb_json_get(v, "ops")))
        fail_msg("id %ld: parse failed: %s", id, nb_errmsg());

    int prc = nb_spec_prune(&spec, &pruned);
    int valid = nb_json_get(v, "valid")->type == NB_JSON_TRUE;
    if (!valid) {
        assert_int_equal(prc, NB_ESPEC);
        assert_string_equal(nb_errmsg(), "invalid spec, provided graph is disconnected.");
        expect_verdict(&pruned, prc, nb_json_get(v, "check")->string, id);
        /* resolve maps it to out of domain */
        assert_int_equal(nb_spec_resolve(&spec, NULL, NULL), NB_EDOMAIN);
        return;
    }
    if (prc)
        fail_msg("id %ld: prune failed: %s", id, nb_errmsg());
    expect_matrix(&pruned, nb_json_get(v, "pruned_matrix"), id);
    expect_ops(&pruned, nb_json_get(v, "pruned_ops"), id);
    assert_int_equal(pruned.num_vertices, nb_json_get(v, "num_vertices")->integer);
    assert_int_equal(nb_spec_num_edges(&pruned), nb_json_get(v, "num_edges")->integer);

    char hash[NB_HASH_HEX + 1];
    const nb_json *want_hash = nb_json_get(v, "hash");
    int hrc = nb_spec_hash(&pruned, hash);
    if (want_hash->type == NB_JSON_STRING) {
        if (hrc)
            fail_msg("id %ld: hash failed: %s", id, nb_errmsg());
        if (strcmp(hash, want_hash->string))
            fail_msg("id %ld: hash %s, expected %s", id, hash, want_hash->string);
        const nb_json *lab = nb_json_get(v, "labeling");
        for (int i = 1; i + 1 < pruned.num_vertices; i++)
            assert_int_equal(nb_op_label(pruned.ops[i]), lab->items[i].integer);
    } else {
        assert_string_equal(nb_json_get(v, "hash_error")->string, "ValueError");
        assert_int_equal(hrc, NB_EDOMAIN);
    }

    const char *check = nb_json_get(v, "check")->string;
    expect_verdict(&pruned, 0, check, id);
    const nb_json *vc = nb_json_get(v, "vertex_channels");
    if (!strcmp(check, "ok")) {
        expect_channels(&pruned, vc, id);
        char h2[NB_HASH_HEX + 1];
        nb_spec p2;
        assert_int_equal(nb_spec_resolve(&spec, &p2, h2), NB_OK);
        assert_string_equal(h2, hash);
    } else {
        assert_int_equal(vc->type, NB_JSON_NULL);
        assert_int_equal(nb_spec_resolve(&spec, NULL, NULL), NB_EDOMAIN);
    }
}

typedef void (*line_fn)(const nb_json *v, void *ctx);

static int each_line(vec_file *f, line_fn fn, void *ctx)
{
    nb_json_doc *doc = nb_json_doc_new();
    int lines = 0;
    for (char *p = f->text; p < f->text + f->len;) {
        char *nl = memchr(p, '\n', (size_t)(f->text + f->len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(f->text + f->len - p);
        if (n) {
            const nb_json *root;
            assert_int_equal(nb_json_parse(doc, p, n, &root), NB_OK);
            fn(root, ctx);
            lines++;
        }
        p += n + 1;
    }
    nb_json_doc_free(doc);
    return lines;
}

static void line_all(const nb_json *v, void *ctx)
{
    (void)ctx;
    check_line(v);
}

static void test_every_vector(void **state)
{
    vec_file *f = *state;
    if (!f->text)
        skip();
    assert_int_equal(each_line(f, line_all, NULL), 686);
}

/* Isomorphic re-orderings hash equally. For every in-space vector, every
 * permutation of the interior vertices that keeps the matrix upper
 * triangular (a topological re-numbering) must give the vector's hash through
 * the public API. The vector's `group` ids cannot be used for this: the public
 * subset keeps one member per group, and different groups may be one module. */
typedef struct perm_stats {
    long specs;
    long relabelled;
} perm_stats;

static int next_perm(int *a, int n)
{
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1])
        i--;
    if (i < 0)
        return 0;
    int j = n - 1;
    while (a[j] <= a[i])
        j--;
    int t = a[i]; a[i] = a[j]; a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) {
        t = a[l]; a[l] = a[r]; a[r] = t;
    }
    return 1;
}

static void line_perm(const nb_json *v, void *ctx)
{
    perm_stats *st = ctx;
    if (strcmp(nb_json_get(v, "check")->string, "ok"))
        return;
    const char *want = nb_json_get(v, "hash")->string;
    nb_spec spec, p;
    assert_int_equal(nb_spec_from_json(&spec, nb_json_get(v, "matrix"), nb_json_get(v, "ops")), 0);
    assert_int_equal(nb_spec_prune(&spec, &p), NB_OK);
    int n = p.num_vertices, perm[NB_MAX_VERTICES];
    for (int i = 0; i < n; i++)
        perm[i] = i;
    st->specs++;
    do {
        nb_spec q;
        memset(&q, 0, sizeof q);
        q.num_vertices = n;
        int upper = 1;
        for (int i = 0; i < n; i++) {
            strcpy(q.ops[perm[i]], p.ops[i]);
            for (int j = 0; j < n; j++)
                if (p.matrix[i][j]) {
                    q.matrix[perm[i]][perm[j]] = 1;
                    upper &= perm[i] < perm[j];
                }
        }
        if (!upper)
            continue;
        char hash[NB_HASH_HEX + 1];
        assert_int_equal(nb_spec_resolve(&q, NULL, hash), NB_OK);
        if (strcmp(hash, want))
            fail_msg("id %lld: a re-ordering hashes to %s, expected %s",
                     (long long)nb_json_get(v, "id")->integer, hash, want);
        st->relabelled++;
    } while (n > 3 && next_perm(perm + 1, n - 2));
}

static void test_permutations(void **state)
{
    vec_file *f = *state;
    if (!f->text)
        skip();
    perm_stats st = {0, 0};
    each_line(f, line_perm, &st);
    assert_int_equal(st.specs, 476);
    assert_true(st.relabelled > 2 * st.specs); /* real re-orderings were tried */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector),
        cmocka_unit_test(test_permutations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
