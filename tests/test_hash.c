/* The batch hash paths agree with the scalar reference: every SIMD variant
 * the CPU has, on random DAGs of every size 2..12 (ragged message lengths
 * across lanes) and on all labellings of one graph; nb_spec_hash_many agrees
 * with nb_spec_hash and fails cleanly. */
#include "nb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_hash.h"
#include "nb_hash_util.h"
#include "nb_md5.h"

static uint64_t state_rng = 12345;

static uint32_t rnd(void)
{
    state_rng = state_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(state_rng >> 33);
}

#define COUNT 300

static void random_graphs(int n, uint16_t (*succ)[NB_MAX_VERTICES], int8_t *labels)
{
    for (int i = 0; i < COUNT; i++) {
        int density = (int)(rnd() % 100);
        for (int v = 0; v < n; v++) {
            succ[i][v] = 0;
            for (int w = v + 1; w < n; w++)
                if ((int)(rnd() % 100) < density)
                    succ[i][v] |= (uint16_t)(1u << w);
            labels[i * n + v] = (int8_t)(v == 0 ? -1 : v == n - 1 ? -2 : (int)(rnd() % 3));
        }
    }
}

static void test_variants_on_random_graphs(void **state)
{
    (void)state;
    static uint16_t succ[COUNT][NB_MAX_VERTICES];
    static int8_t labels[COUNT * NB_MAX_VERTICES];
    static uint8_t ref[COUNT][16], got[COUNT][16];
    int tried = 0;
    for (int n = 2; n <= NB_MAX_VERTICES; n++) {
        random_graphs(n, succ, labels);
        /* the scalar batch equals the one-graph hash */
        for (int i = 0; i < COUNT; i += 37) {
            int lab[NB_MAX_VERTICES];
            for (int v = 0; v < n; v++)
                lab[v] = labels[i * n + v];
            nb_hash_graph(n, succ[i], lab, got[i]);
        }
        assert_int_equal(nb_hash_graphs_with(NB_HASH_SCALAR, n, COUNT,
                                             (const uint16_t(*)[NB_MAX_VERTICES])succ, labels, ref), 0);
        for (int i = 0; i < COUNT; i += 37)
            assert_memory_equal(ref[i], got[i], 16);
        for (int which = NB_HASH_AVX2; which <= NB_HASH_AVX512; which++) {
            /* odd counts leave lanes unused */
            for (int count = COUNT - 3; count <= COUNT; count += 3) {
                memset(got, 0, sizeof got);
                if (nb_hash_graphs_with(which, n, count, (const uint16_t(*)[NB_MAX_VERTICES])succ,
                                        labels, got))
                    continue;
                tried++;
                for (int i = 0; i < count; i++)
                    if (memcmp(ref[i], got[i], 16))
                        fail_msg("variant %d, n %d, graph %d differs", which, n, i);
            }
        }
    }
    printf("SIMD variant runs compared: %d (0 means none on this CPU)\n", tried);
}

/* One graph with its vertices in the lanes (more vertices than lanes for
 * n > 8 with 8 lanes): every variant, including the one-graph-only
 * AVX-512VL one, equals the scalar digest; every graph is tried, so each
 * variant sees 300 random DAGs per size with ragged block counts. */
static void test_single_graph_variants(void **state)
{
    (void)state;
    static uint16_t succ[COUNT][NB_MAX_VERTICES];
    static int8_t labels[COUNT * NB_MAX_VERTICES];
    int tried[NB_HASH_AVX512VL + 1] = {0};
    for (int n = 2; n <= NB_MAX_VERTICES; n++) {
        random_graphs(n, succ, labels);
        for (int i = 0; i < COUNT; i++) {
            int lab[NB_MAX_VERTICES];
            uint8_t ref[16], got[16];
            for (int v = 0; v < n; v++)
                lab[v] = labels[i * n + v];
            nb_hash_graph_scalar(n, succ[i], lab, ref);
            for (int which = NB_HASH_SCALAR; which <= NB_HASH_AVX512VL; which++) {
                memset(got, 0, sizeof got);
                if (nb_hash_graph_with(which, n, succ[i], lab, got))
                    continue;
                tried[which]++;
                if (memcmp(ref, got, 16))
                    fail_msg("single-graph variant %d, n %d, graph %d differs", which, n, i);
            }
            nb_hash_graph(n, succ[i], lab, got);
            assert_memory_equal(ref, got, 16);
        }
    }
    printf("single-graph runs per variant: scalar %d, avx2 %d, avx512 %d, avx512vl %d\n",
           tried[0], tried[1], tried[2], tried[3]);
    assert_int_equal(tried[NB_HASH_SCALAR], COUNT * (NB_MAX_VERTICES - 1));
    uint8_t d[16];
    assert_int_equal(nb_hash_graph_with(NB_HASH_AVX512VL + 1, 2, succ[0], (int[]){-1, -2}, d),
                     NB_ENOTFOUND);
}

static void test_variants_on_labellings(void **state)
{
    (void)state;
    /* the Inception graph with all 243 labellings */
    uint16_t succ[NB_MAX_VERTICES] = {0};
    succ[0] = 0x2e; /* 0 -> 1,2,3,5 */
    succ[1] = succ[2] = succ[4] = succ[5] = 1 << 6;
    succ[3] = 1 << 4;
    static int8_t labels[243 * 7];
    for (int l = 0; l < 243; l++) {
        labels[l * 7] = -1;
        labels[l * 7 + 6] = -2;
        for (int v = 5, x = l; v >= 1; v--, x /= 3)
            labels[l * 7 + v] = (int8_t)(x % 3);
    }
    static uint8_t ref[243][16], got[243][16];
    nb_hash_graph_batch_scalar(7, succ, 243, labels, ref);
    /* labelling [-1,1,0,0,0,2,-2] is the README cell: index 1*81+0+0+0+2 */
    char hex[NB_HASH_HEX + 1];
    nb_md5_hex(ref[83], hex);
    hex[NB_HASH_HEX] = '\0';
    assert_string_equal(hex, "28cfc7874f6d200472e1a9dcd8650aa0");
    for (int which = NB_HASH_AVX2; which <= NB_HASH_AVX512; which++) {
        if (nb_hash_graph_batch_with(which, 7, succ, 243, labels, got))
            continue;
        assert_memory_equal(ref, got, sizeof ref);
    }
    nb_hash_graph_batch(7, succ, 243, labels, got);
    assert_memory_equal(ref, got, sizeof ref);
}

static void test_hash_many(void **state)
{
    (void)state;
    enum { N = 150 };
    static nb_spec specs[N];
    static char one[N][NB_HASH_HEX + 1], many[N][NB_HASH_HEX + 1];
    static const char *const names[] = {"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
    for (int i = 0; i < N; i++) {
        nb_spec *s = &specs[i];
        memset(s, 0, sizeof *s);
        s->num_vertices = 2 + i % 7; /* mixed sizes in one call */
        for (int v = 0; v < s->num_vertices; v++) {
            strcpy(s->ops[v], v == 0 ? "input" : v == s->num_vertices - 1 ? "output"
                                                                            : names[rnd() % 3]);
            for (int w = v + 1; w < s->num_vertices; w++)
                s->matrix[v][w] = (uint8_t)(w == v + 1 || rnd() % 3 == 0);
        }
        assert_int_equal(nb_spec_hash(s, one[i]), NB_OK);
    }
    assert_int_equal(nb_spec_hash_many(specs, N, many), NB_OK);
    assert_memory_equal(one, many, sizeof one);
    /* a bad spec: error naming its index, no hash written */
    strcpy(specs[141].ops[1], "conv5x5");
    memset(many, 'x', sizeof many);
    assert_int_equal(nb_spec_hash_many(specs, N, many), NB_EDOMAIN);
    assert_non_null(strstr(nb_errmsg(), "spec 141"));
    assert_int_equal(many[0][0], 'x');
    assert_int_equal(nb_spec_hash_many(specs, 0, many), NB_OK);
}

/* Reference 3.2 and 3.3, value by value: every vertex after every round. */
static void expect_rounds(int n, const uint16_t *succ, const int *labels,
                          const char *const *want /* (n + 1) rows of n hex values */)
{
    for (int r = 0; r <= n; r++) {
        uint8_t h[NB_MAX_VERTICES][16];
        nb_hash_rounds(n, succ, labels, r, h);
        for (int v = 0; v < n; v++) {
            char hex[NB_HASH_HEX + 1];
            nb_md5_hex(h[v], hex);
            hex[NB_HASH_HEX] = '\0';
            if (strcmp(hex, want[r * n + v]))
                fail_msg("round %d vertex %d: %s, expected %s", r, v, hex, want[r * n + v]);
        }
    }
}

static void test_traces(void **state)
{
    (void)state;
    static const char *const two[] = {
        "3bb65a81afada4c50c2c4630873f0a79", "da7ed8fcf085d449b70116bd536a0344",
        "6a9b02cac0c1197568db68e8a26172e5", "b03380eecb720dcb90c99e9368145d41",
        "24e83d4b6d15ac1c1dd62825fccc2b55", "6b642d06edcbee779700da045bbd0266",
    };
    uint16_t succ2[2] = {1 << 1, 0};
    int lab2[2] = {-1, -2};
    expect_rounds(2, succ2, lab2, two);
    static const char *const three[] = {
        "3bb65a81afada4c50c2c4630873f0a79", "d83dc8699b886cf73ffbd4db0625c540",
        "da7ed8fcf085d449b70116bd536a0344",
        "2db5495790022c768943b347000b1ca8", "c35d4b8921f087212df4d626a2841ac3",
        "337d999cc6efa343de83be59e1f77d99",
        "17cd7aa894e752580e36674c424c3d79", "4b68783b69396e495e6c523c2113eed7",
        "fe8464fc290cb883ecf856596d8daf2e",
        "d67e8ecedc26905fdc611fb26327d258", "3e2bac0b99510f2e44aa7a76070c39cd",
        "e900b60544768237407b950153caaffa",
    };
    uint16_t succ3[3] = {1 << 1, 1 << 2, 0};
    int lab3[3] = {-1, 0, -2};
    expect_rounds(3, succ3, lab3, three);
    char hash[NB_HASH_HEX + 1];
    uint8_t m[NB_MAX_VERTICES][NB_MAX_VERTICES] = {{0, 1, 0}, {0, 0, 1}};
    nb_hash_labels(3, (const uint8_t(*)[NB_MAX_VERTICES])m, lab3, hash);
    assert_string_equal(hash, "b49ac8c578b4561d79ac7087988f1c61");
    /* reference 3.4: the initial strings of the Inception cell */
    uint8_t d[16];
    char hex[33];
    nb_hash_init_digest(4, 0, -1, d);
    nb_md5_hex(d, hex);
    nb_md5("(4, 0, -1)", 10, d);
    char hex2[33];
    nb_md5_hex(d, hex2);
    assert_memory_equal(hex, hex2, 32);
    /* outside the cached range the text is formatted on the fly */
    nb_hash_init_digest(3, 2, 17, d);
    nb_md5_hex(d, hex);
    nb_md5("(3, 2, 17)", 10, d);
    nb_md5_hex(d, hex2);
    assert_memory_equal(hex, hex2, 32);
}

/* Cases of the original's graph_util tests (rewritten here): equal hashes
 * for relabelled / renumbered graphs, different ones for the tricky
 * non-isomorphic pairs. Labels may be any integers. */
static void digest_of(int n, const char *bits, const int *labels, uint8_t out[16])
{
    uint16_t succ[NB_MAX_VERTICES] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (bits[i * n + j] == '1')
                succ[i] |= (uint16_t)(1u << j);
    nb_hash_graph(n, succ, labels, out);
}

static int same_hash(int n, const char *m1, const int *l1, const char *m2, const int *l2)
{
    uint8_t a[16], b[16];
    digest_of(n, m1, l1, a);
    digest_of(n, m2, l2, b);
    return !memcmp(a, b, 16);
}

static void test_original_hash_cases(void **state)
{
    (void)state;
    const char *diamond = "0110" "0001" "0001" "0000";
    assert_true(same_hash(4, diamond, (int[]){-1, 1, 2, -2}, diamond, (int[]){-1, 2, 1, -2}));
    const char *m1 = "01100" "00001" "00010" "00001" "00000";
    const char *m2 = "01010" "00100" "00001" "00001" "00000";
    const char *m3 = "01100" "00010" "00001" "00001" "00000";
    const int l1[] = {-1, 1, 2, 3, -2}, l2[] = {-1, 2, 3, 1, -2}, l3[] = {-1, 2, 1, 3, -2};
    assert_true(same_hash(5, m1, l1, m2, l2));
    assert_true(same_hash(5, m2, l2, m3, l3));
    assert_false(same_hash(5, m1, l2, m1, l1));
    assert_false(same_hash(5, m1, l3, m1, l1));
    /* connected non-isomorphic regular graphs on 6 interior vertices */
    const char *r1 = "01000000" "00110010" "00001100" "00001100"
                     "00000010" "00000010" "00000001" "00000000";
    const char *r2 = "01000000" "00110100" "00001010" "00001100"
                     "00000010" "00000010" "00000001" "00000000";
    const int lr[] = {-1, 1, 1, 1, 1, 1, 1, -2};
    assert_false(same_hash(8, r1, lr, r2, lr));
    /* breaks without the vertex's own value */
    const char *chain = "01000" "00100" "00010" "00001" "00000";
    assert_false(same_hash(5, chain, (int[]){-1, 1, 0, 0, -2}, chain, (int[]){-1, 0, 0, 1, -2}));
    /* breaks without edge directions */
    const char *skip = "0101" "0010" "0001" "0000";
    assert_false(same_hash(4, skip, (int[]){-1, 1, 0, -2}, skip, (int[]){-1, 0, 1, -2}));
    /* breaks with out-neighbours and self only */
    const char *t = "0111100" "0010000" "0000001" "0000010" "0000010" "0000001" "0000000";
    assert_false(same_hash(7, t, (int[]){-1, 1, 0, 0, 0, 0, -2}, t, (int[]){-1, 0, 0, 0, 1, 0, -2}));

    /* the same pairs through nb_spec_isomorphic (interior ops as strings) */
    nb_spec a, b;
    assert_int_equal(nb_spec_parse(&a, m1, "in,a,b,c,out"), 0);
    assert_int_equal(nb_spec_parse(&b, m2, "in,b,c,a,out"), 0);
    assert_true(nb_spec_isomorphic(&a, &b));
    assert_int_equal(nb_spec_parse(&b, m2, "in,a,b,c,out"), 0);
    assert_false(nb_spec_isomorphic(&a, &b));
    assert_int_equal(nb_spec_parse(&a, r1, "in,a,a,a,a,a,a,out"), 0);
    assert_int_equal(nb_spec_parse(&b, r2, "in,a,a,a,a,a,a,out"), 0);
    assert_false(nb_spec_isomorphic(&a, &b));
}

/* Outside the space the hash is not a complete invariant: generate
 * --max-vertices 8 --max-edges 10 --verify-isomorphism finds 243 labelled
 * graphs like these two (crossing vs. parallel branches), equal hash, not
 * isomorphic. */
static void test_false_collision_beyond_space(void **state)
{
    (void)state;
    const char *ops = "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                      "conv3x3-bn-relu,conv3x3-bn-relu,output";
    nb_spec a, b;
    assert_int_equal(nb_spec_parse(&a, "[[0,1,1,0,0,0,0,0],[0,0,0,1,0,0,1,0],[0,0,0,0,1,1,0,0],"
                                   "[0,0,0,0,1,0,0,0],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,1,0],"
                                   "[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0]]", ops), 0);
    assert_int_equal(nb_spec_parse(&b, "[[0,1,0,0,1,0,0,0],[0,0,1,1,0,0,0,0],[0,0,0,1,0,0,0,0],"
                                   "[0,0,0,0,0,0,0,1],[0,0,0,0,0,1,1,0],[0,0,0,0,0,0,1,0],"
                                   "[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0]]", ops), 0);
    char ha[NB_HASH_HEX + 1], hb[NB_HASH_HEX + 1];
    assert_int_equal(nb_spec_hash(&a, ha), NB_OK);
    assert_int_equal(nb_spec_hash(&b, hb), NB_OK);
    assert_string_equal(ha, "d821d8971f63c06f2369b6000d10d28c");
    assert_string_equal(hb, ha);
    assert_false(nb_spec_isomorphic(&a, &b));
    assert_true(nb_spec_isomorphic(&a, &a));
}

/* Random DAGs of 3..12 vertices, renumbered by a random permutation of all
 * vertices (the result is a DAG, not upper triangular), with random labels
 * 0..10: equal digests. */
static void test_random_renumbering(void **state)
{
    (void)state;
    for (int iter = 0; iter < 400; iter++) {
        int n = 3 + (int)(rnd() % 10);
        uint16_t succ[NB_MAX_VERTICES] = {0}, psucc[NB_MAX_VERTICES] = {0};
        int labels[NB_MAX_VERTICES], plabels[NB_MAX_VERTICES], perm[NB_MAX_VERTICES];
        for (int v = 0; v < n; v++) {
            labels[v] = (int)(rnd() % 11);
            perm[v] = v;
            for (int w = v + 1; w < n; w++)
                if (rnd() % 2)
                    succ[v] |= (uint16_t)(1u << w);
        }
        for (int v = n - 1; v > 0; v--) {
            int j = (int)(rnd() % (uint32_t)(v + 1)), x = perm[v];
            perm[v] = perm[j];
            perm[j] = x;
        }
        for (int v = 0; v < n; v++) {
            plabels[perm[v]] = labels[v];
            for (int w = 0; w < n; w++)
                if (succ[v] >> w & 1)
                    psucc[perm[v]] |= (uint16_t)(1u << perm[w]);
        }
        uint8_t a[16], b[16];
        nb_hash_graph(n, succ, labels, a);
        nb_hash_graph(n, psucc, plabels, b);
        if (memcmp(a, b, 16))
            fail_msg("iteration %d (%d vertices): renumbering changed the hash", iter, n);
        nb_hash_graph_scalar(n, psucc, plabels, b);
        assert_memory_equal(a, b, 16);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants_on_random_graphs),
        cmocka_unit_test(test_single_graph_variants),
        cmocka_unit_test(test_variants_on_labellings),
        cmocka_unit_test(test_hash_many),
        cmocka_unit_test(test_traces),
        cmocka_unit_test(test_original_hash_cases),
        cmocka_unit_test(test_random_renumbering),
        cmocka_unit_test(test_false_collision_beyond_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
