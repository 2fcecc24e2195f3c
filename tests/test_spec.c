/* Spec parsing, structural errors, pruning (reference 2.2), the in-space
 * check messages (2.4), formatting, and the known hashes of section 3. */
#include "nb_test.h"

#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"

#define INCEPTION_M "[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0]," \
                    "[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]"
#define INCEPTION_O "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu," \
                    "maxpool3x3,output"
#define FIRST_M "[[0,1,0,0,1,1,0],[0,0,1,0,0,0,0],[0,0,0,1,0,0,1],[0,0,0,0,0,1,0]," \
                "[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]"
#define FIRST_O "input, conv3x3-bn-relu, maxpool3x3, conv3x3-bn-relu, conv3x3-bn-relu, " \
                "conv1x1-bn-relu, output"

static void expect_hash(const char *matrix, const char *ops, const char *want)
{
    nb_spec s;
    char hash[NB_HASH_HEX + 1];
    if (nb_spec_parse(&s, matrix, ops))
        fail_msg("parse %s: %s", matrix, nb_errmsg());
    if (nb_spec_resolve(&s, NULL, hash))
        fail_msg("resolve %s: %s", matrix, nb_errmsg());
    assert_string_equal(hash, want);
}

static void test_known_hashes(void **state)
{
    (void)state;
    /* traces 3.2 and 3.3 */
    expect_hash("[[0,1],[0,0]]", "input,output", "043721b9c7fe8c5fad811d47d83132ec");
    expect_hash("[[0,1,0],[0,0,1],[0,0,0]]", "input,conv3x3-bn-relu,output",
                "b49ac8c578b4561d79ac7087988f1c61");
    expect_hash(INCEPTION_M, INCEPTION_O, "28cfc7874f6d200472e1a9dcd8650aa0");
    /* the stored canonical form of the Inception module (1.7) */
    expect_hash("[[0,1,1,1,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],"
                "[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
                "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,"
                "conv3x3-bn-relu,output",
                "28cfc7874f6d200472e1a9dcd8650aa0");
    expect_hash(FIRST_M, FIRST_O, "00005c142e6f48ac74fdcf73e3439874");
    expect_hash("0100110001000000010010000010000001000000010000000",
                "[\"input\",\"conv3x3-bn-relu\",\"maxpool3x3\",\"conv3x3-bn-relu\","
                "\"conv3x3-bn-relu\",\"conv1x1-bn-relu\",\"output\"]",
                "00005c142e6f48ac74fdcf73e3439874");
    expect_hash("[[0,1,0,1],[0,0,1,0],[0,0,0,1],[0,0,0,0]]",
                "input,conv3x3-bn-relu,conv3x3-bn-relu,output", "b5fb4f6193360330b6ff6a52cbf0cad7");
    /* 7x7 with only 0 -> 6 prunes to the 2-vertex module */
    expect_hash("[[0,0,0,0,0,0,1],[0,0,0,0,0,0,0],[0,0,0,0,0,0,0],[0,0,0,0,0,0,0],"
                "[0,0,0,0,0,0,0],[0,0,0,0,0,0,0],[0,0,0,0,0,0,0]]",
                "input,conv5x5,identity,output,input,maxpool3x3,output",
                "043721b9c7fe8c5fad811d47d83132ec");
    /* 5.1: the diamond with labels [-1,1,0,-2] and [-1,0,1,-2] */
    expect_hash("[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]]",
                "input,conv1x1-bn-relu,conv3x3-bn-relu,output", "1af995a92568cf42af2c2668f72834ea");
    expect_hash("[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]]",
                "input,conv3x3-bn-relu,conv1x1-bn-relu,output", "1af995a92568cf42af2c2668f72834ea");
}

/* nb_hash_labels directly, and the end op strings are ignored by the hash. */
static void test_hash_labels(void **state)
{
    (void)state;
    uint8_t m[NB_MAX_VERTICES][NB_MAX_VERTICES] = {{0}};
    m[0][1] = m[1][2] = m[0][2] = 1;
    int labels[3] = {-1, 2, -2};
    char hash[NB_HASH_HEX + 1];
    nb_hash_labels(3, (const uint8_t(*)[NB_MAX_VERTICES])m, labels, hash);
    assert_string_equal(hash, "6f6257bc3b12d87b8736e81cd4b7ed8b");
    nb_spec s;
    assert_int_equal(nb_spec_parse(&s, "[[0,1,1],[0,0,1],[0,0,0]]", "a,conv1x1-bn-relu,b"), 0);
    assert_int_equal(nb_spec_hash(&s, hash), NB_OK);
    assert_string_equal(hash, "09fc2d10bdd6225e167a6f81a22a3f06");
    assert_int_equal(nb_spec_check(&s), NB_EDOMAIN);
    assert_string_equal(nb_errmsg(), "first operation should be 'input'");
}

static void expect_parse_error(const char *matrix, const char *ops, int code, const char *msg)
{
    nb_spec s;
    int rc = nb_spec_parse(&s, matrix, ops);
    if (rc != code)
        fail_msg("parse(%s, %s): code %d, expected %d (%s)", matrix, ops, rc, code, nb_errmsg());
    if (!strstr(nb_errmsg(), msg))
        fail_msg("parse(%s, %s): message '%s' lacks '%s'", matrix, ops, nb_errmsg(), msg);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("[]", "", NB_ESPEC, "matrix must be square");
    expect_parse_error("[[0,1],[0]]", "a,b", NB_ESPEC, "matrix must be square");
    expect_parse_error("[[0,1,0],[0,0,1]]", "a,b", NB_ESPEC, "matrix must be square");
    expect_parse_error("010", "a,b", NB_ESPEC, "matrix must be square");
    expect_parse_error("", "a", NB_ESPEC, "matrix must be square");
    expect_parse_error("[[0,1],[0,0]]", "a,b,c", NB_ESPEC,
                       "length of ops must match matrix dimensions");
    expect_parse_error("[[0,1],[1,0]]", "a,b", NB_ESPEC, "matrix must be upper triangular");
    expect_parse_error("[[1,1],[0,0]]", "a,b", NB_ESPEC, "matrix must be upper triangular");
    expect_parse_error("1100", "a,b", NB_ESPEC, "matrix must be upper triangular");
    expect_parse_error("[[0,2],[0,0]]", "a,b", NB_ESPEC, "[0][1] must be 0 or 1");
    expect_parse_error("[[0,1.5],[0,0]]", "a,b", NB_ESPEC, "must be 0 or 1");
    expect_parse_error("[[0,1],[0,0]", "a,b", NB_EINVAL, "matrix: JSON");
    expect_parse_error("01x0", "a,b", NB_EINVAL, "byte 2");
    expect_parse_error("[[0,1],[0,0]]", "a,,b", NB_EINVAL, "empty op name at position 1");
    expect_parse_error("[[0,1],[0,0]]", "[\"a\",3]", NB_EINVAL, "item 1 is not a string");
    expect_parse_error("[[0,1],[0,0]]", "[\"a\",\"b\"", NB_EINVAL, "ops: JSON");
    expect_parse_error("[[0,1],[0,0]]", "input,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NB_EINVAL,
                       "longer than");
    expect_parse_error("{\"a\":1}", "a", NB_EINVAL, "JSON array");
    char big[200];
    memset(big, '0', 169);
    big[169] = '\0';
    expect_parse_error(big, "a", NB_ESPEC, "more than 12");
}

static void test_parse_forms(void **state)
{
    (void)state;
    nb_spec a, b, c;
    assert_int_equal(nb_spec_parse(&a, FIRST_M, FIRST_O), 0);
    assert_int_equal(nb_spec_parse(&b, " 0100110001000000010010000010000001000000010000000\n",
                                   "[\"input\", \"conv3x3-bn-relu\", \"maxpool3x3\", "
                                   "\"conv3x3-bn-relu\", \"conv3x3-bn-relu\", \"conv1x1-bn-relu\", "
                                   "\"output\"]"), 0);
    assert_int_equal(nb_spec_parse(&c, "\"0100110001000000010010000010000001000000010000000\"",
                                   "\"input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,"
                                   "conv3x3-bn-relu,conv1x1-bn-relu,output\""), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_memory_equal(&a, &c, sizeof a);
    assert_int_equal(a.num_vertices, 7);
    assert_int_equal(nb_spec_num_edges(&a), 9);
    assert_string_equal(a.ops[2], "maxpool3x3");
    /* 1x1 parses (structurally fine) but is disconnected */
    assert_int_equal(nb_spec_parse(&a, "[[0]]", "input"), 0);
    assert_int_equal(nb_spec_resolve(&a, NULL, NULL), NB_EDOMAIN);
    assert_string_equal(nb_errmsg(), "invalid spec, provided graph is disconnected.");
}

static void test_formatting(void **state)
{
    (void)state;
    nb_spec s;
    assert_int_equal(nb_spec_parse(&s, FIRST_M, FIRST_O), 0);
    char buf[512];
    assert_int_equal(nb_spec_adjacency_bits(&s, buf, sizeof buf), 49);
    assert_string_equal(buf, "0100110001000000010010000010000001000000010000000");
    nb_spec_ops_csv(&s, buf, sizeof buf);
    assert_string_equal(buf, "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,"
                             "conv1x1-bn-relu,output");
    nb_spec_matrix_json(&s, buf, sizeof buf);
    assert_string_equal(buf, FIRST_M);
    nb_spec_ops_json(&s, buf, sizeof buf);
    assert_string_equal(buf, "[\"input\",\"conv3x3-bn-relu\",\"maxpool3x3\",\"conv3x3-bn-relu\","
                             "\"conv3x3-bn-relu\",\"conv1x1-bn-relu\",\"output\"]");
    nb_spec_matrix_pyjson(&s, buf, sizeof buf);
    assert_string_equal(buf, "[[0, 1, 0, 0, 1, 1, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1], "
                             "[0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], "
                             "[0, 0, 0, 0, 0, 0, 0]]");
    nb_spec_ops_pyjson(&s, buf, sizeof buf);
    assert_string_equal(buf, "[\"input\", \"conv3x3-bn-relu\", \"maxpool3x3\", \"conv3x3-bn-relu\", "
                             "\"conv3x3-bn-relu\", \"conv1x1-bn-relu\", \"output\"]");
    /* truncation reports the full length, like snprintf */
    char small[8];
    assert_int_equal(nb_spec_matrix_json(&s, small, sizeof small), strlen(FIRST_M));
    assert_string_equal(small, "[[0,1,0");
    /* op names with quotes round-trip through JSON */
    assert_int_equal(nb_spec_parse(&s, "[[0,1],[0,0]]", "[\"in\\\"put\",\"out\\\\put\"]"), 0);
    assert_string_equal(s.ops[0], "in\"put");
    nb_spec_ops_json(&s, buf, sizeof buf);
    assert_string_equal(buf, "[\"in\\\"put\",\"out\\\\put\"]");
}

static void test_from_labels(void **state)
{
    (void)state;
    uint8_t m[NB_MAX_VERTICES][NB_MAX_VERTICES] = {{0}};
    m[0][1] = m[1][2] = 1;
    int labels[3] = {-1, 2, -2};
    nb_spec s;
    assert_int_equal(nb_spec_from_labels(&s, 3, (const uint8_t(*)[NB_MAX_VERTICES])m, labels), 0);
    assert_string_equal(s.ops[1], "maxpool3x3");
    assert_string_equal(s.ops[2], "output");
    labels[1] = 7;
    assert_int_equal(nb_spec_from_labels(&s, 3, (const uint8_t(*)[NB_MAX_VERTICES])m, labels),
                     NB_ESPEC);
    assert_int_equal(nb_op_label("conv1x1-bn-relu"), NB_LABEL_CONV1X1);
    assert_int_equal(nb_op_label("conv5x5"), NB_LABEL_UNKNOWN);
    assert_null(nb_op_name(NB_LABEL_UNKNOWN));
}

/* Reference 2.2's table. */
static void expect_prune(const char *m, const char *want_bits, const char *want_ops)
{
    nb_spec s, p;
    char buf[256];
    assert_int_equal(nb_spec_parse(&s, m, "a,b,c,d"), 0);
    assert_int_equal(nb_spec_prune(&s, &p), NB_OK);
    nb_spec_adjacency_bits(&p, buf, sizeof buf);
    assert_string_equal(buf, want_bits);
    nb_spec_ops_csv(&p, buf, sizeof buf);
    assert_string_equal(buf, want_ops);
}

static void test_prune(void **state)
{
    (void)state;
    expect_prune("[[0,1,0,0],[0,0,0,1],[0,0,0,0],[0,0,0,0]]", "010001000", "a,b,d");
    expect_prune("[[0,1,1,0],[0,0,0,0],[0,0,0,1],[0,0,0,0]]", "010001000", "a,c,d");
    expect_prune("[[0,0,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]]", "010001000", "a,c,d");
    expect_prune("[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]]", "0110000100010000", "a,b,c,d");
    nb_spec s, p;
    assert_int_equal(nb_spec_parse(&s, "[[0,0],[0,0]]", "input,output"), 0);
    assert_int_equal(nb_spec_prune(&s, &p), NB_ESPEC);
    assert_string_equal(nb_errmsg(), "invalid spec, provided graph is disconnected.");
    /* pruning in place */
    assert_int_equal(nb_spec_parse(&s, "[[0,1,1,0],[0,0,0,0],[0,0,0,1],[0,0,0,0]]", "a,b,c,d"), 0);
    assert_int_equal(nb_spec_prune(&s, &s), NB_OK);
    assert_int_equal(s.num_vertices, 3);
}

static void expect_domain(const char *m, const char *ops, const char *msg)
{
    nb_spec s;
    assert_int_equal(nb_spec_parse(&s, m, ops), 0);
    int rc = nb_spec_resolve(&s, NULL, NULL);
    if (!msg) {
        assert_int_equal(rc, NB_OK);
        return;
    }
    assert_int_equal(rc, NB_EDOMAIN);
    assert_string_equal(nb_errmsg(), msg);
}

static void test_check(void **state)
{
    (void)state;
    expect_domain(INCEPTION_M, INCEPTION_O, NULL);
    /* 8 vertices after pruning: the message the original meant to give */
    expect_domain("[[0,1,0,0,0,0,0,0],[0,0,1,0,0,0,0,0],[0,0,0,1,0,0,0,0],[0,0,0,0,1,0,0,0],"
                 "[0,0,0,0,0,1,0,0],[0,0,0,0,0,0,1,0],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0]]",
                 "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                 "conv3x3-bn-relu,conv3x3-bn-relu,output",
                 "too many vertices, got 8 (max vertices = 7)");
    /* 8 vertices that prune to 7 are in the space */
    expect_domain("[[0,1,0,0,0,0,0,0],[0,0,1,0,0,0,0,0],[0,0,0,1,0,0,0,0],[0,0,0,0,1,0,0,0],"
                 "[0,0,0,0,0,1,0,0],[0,0,0,0,0,0,0,1],[0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0]]",
                 "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                 "conv3x3-bn-relu,whatever,output", NULL);
    expect_domain("[[0,1,1,1,1,1,1],[0,0,1,1,0,0,0],[0,0,0,1,0,0,0],[0,0,0,0,1,0,0],"
                 "[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
                 "x,conv5x5,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output",
                 "too many edges, got 12 (max edges = 9)");
    expect_domain("[[0,1,0],[0,0,1],[0,0,0]]", "x,conv5x5,output", "first operation should be 'input'");
    expect_domain("[[0,1,0],[0,0,1],[0,0,0]]", "input,conv5x5,y", "last operation should be 'output'");
    expect_domain("[[0,1,0],[0,0,1],[0,0,0]]", "input,conv5x5,output",
                 "unsupported op conv5x5 (available ops = ['conv3x3-bn-relu', 'conv1x1-bn-relu', "
                 "'maxpool3x3'])");
    expect_domain("[[0,1,0],[0,0,1],[0,0,0]]", "input,input,output",
                 "unsupported op input (available ops = ['conv3x3-bn-relu', 'conv1x1-bn-relu', "
                 "'maxpool3x3'])");
    expect_domain("[[0,1,0],[0,0,0],[0,0,0]]", "input,conv3x3-bn-relu,output",
                 "invalid spec, provided graph is disconnected.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_hashes), cmocka_unit_test(test_hash_labels),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_formatting),   cmocka_unit_test(test_from_labels),
        cmocka_unit_test(test_prune),        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
