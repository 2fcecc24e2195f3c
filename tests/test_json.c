/* The JSON reader and the shortest round-trip double formatting. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_json.h"
#include "nb_test.h"

static const nb_json *parse(nb_json_doc *doc, const char *text)
{
    const nb_json *root = NULL;
    int rc = nb_json_parse(doc, text, strlen(text), &root);
    return rc == NB_OK ? root : NULL;
}

static void test_record_payload(void **state)
{
    (void)state;
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *r = parse(doc, "[\"00005c14\", 108, \"0100\", \"input,output\", \"CgA=\"]");
    assert_non_null(r);
    assert_int_equal(r->type, NB_JSON_ARRAY);
    assert_int_equal(r->len, 5);
    assert_string_equal(r->items[0].string, "00005c14");
    assert_int_equal(r->items[1].type, NB_JSON_NUMBER);
    assert_true(r->items[1].is_integer);
    assert_int_equal(r->items[1].integer, 108);
    assert_string_equal(r->items[4].string, "CgA=");
    nb_json_doc_free(doc);
}

static void test_objects_and_nesting(void **state)
{
    (void)state;
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *r = parse(doc, " {\"matrix\": [[0,1],[0,0]], \"ops\": [\"input\",\"output\"], "
                                  "\"x\": -1.5e2, \"t\": true, \"n\": null} ");
    assert_non_null(r);
    const nb_json *m = nb_json_get(r, "matrix");
    assert_non_null(m);
    assert_int_equal(m->len, 2);
    assert_int_equal(m->items[0].items[1].integer, 1);
    assert_null(nb_json_get(r, "missing"));
    assert_true(nb_json_get(r, "x")->number == -150.0);
    assert_false(nb_json_get(r, "x")->is_integer);
    assert_int_equal(nb_json_get(r, "t")->type, NB_JSON_TRUE);
    assert_int_equal(nb_json_get(r, "n")->type, NB_JSON_NULL);
    /* the document is reused: the second parse replaces the first */
    r = parse(doc, "[]");
    assert_non_null(r);
    assert_int_equal(r->len, 0);
    nb_json_doc_free(doc);
}

static void test_escapes(void **state)
{
    (void)state;
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *r = parse(doc, "\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"");
    assert_non_null(r);
    assert_string_equal(r->string, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
    nb_json_doc_free(doc);
}

static void test_errors_name_offset(void **state)
{
    (void)state;
    static const char *bad[] = {"", "[1,", "[1 2]", "{\"a\" 1}", "\"abc", "[01]", "tru",
                                "[1] x", "\"\\q\"", "\"\\ud800\"", "-", "1.", "{1:2}"};
    nb_json_doc *doc = nb_json_doc_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const nb_json *root;
        assert_int_equal(nb_json_parse(doc, bad[i], strlen(bad[i]), &root), NB_EINVAL);
        assert_non_null(strstr(nb_errmsg(), "at byte"));
    }
    const nb_json *root;
    assert_int_equal(nb_json_parse(doc, "[1 2]", 5, &root), NB_EINVAL);
    assert_string_equal(nb_errmsg(), "JSON: expected ',' or ']' at byte 3");
    nb_json_doc_free(doc);
}

static void test_deep_nesting_rejected(void **state)
{
    (void)state;
    char text[300];
    memset(text, '[', 200);
    text[200] = '\0';
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *root;
    assert_int_equal(nb_json_parse(doc, text, 200, &root), NB_EINVAL);
    assert_non_null(strstr(nb_errmsg(), "nesting too deep"));
    nb_json_doc_free(doc);
}

static void test_fmt_double_shortest(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(nb_json_fmt_double(1.0, buf), "1.0");
    assert_string_equal(nb_json_fmt_double(0.1, buf), "0.1");
    assert_string_equal(nb_json_fmt_double(1769.1279296875, buf), "1769.1279296875");
    assert_string_equal(nb_json_fmt_double(0.9241786599159241, buf), "0.9241786599159241");
    assert_string_equal(nb_json_fmt_double(1e-05, buf), "1e-05");
    assert_string_equal(nb_json_fmt_double(NAN, buf), "null");
    assert_string_equal(nb_json_fmt_double(5e-324, buf), "5e-324"); /* subnormal */
    assert_string_equal(nb_json_fmt_double(-2.5, buf), "-2.5");
    /* every float32 accuracy k/9984 reads back exactly */
    for (int k = 0; k <= 9984; k++) {
        double v = (double)((float)k / 9984.0f);
        assert_true(strtod(nb_json_fmt_double(v, buf), NULL) == v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_payload),
        cmocka_unit_test(test_objects_and_nesting),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_errors_name_offset),
        cmocka_unit_test(test_deep_nesting_rejected),
        cmocka_unit_test(test_fmt_double_shortest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
