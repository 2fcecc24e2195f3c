/* Standard padded base64: RFC 4648 vectors, round trips, strictness. */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_base64.h"
#include "nb_test.h"

static const char *const rfc[][2] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc / sizeof *rfc; i++) {
        const char *raw = rfc[i][0], *enc = rfc[i][1];
        char out[16];
        size_t n = nb_base64_encode((const uint8_t *)raw, strlen(raw), out);
        assert_int_equal(n, strlen(enc));
        assert_int_equal(n, nb_base64_encoded_len(strlen(raw)));
        assert_memory_equal(out, enc, n);
        uint8_t dec[16];
        size_t m = 99;
        assert_int_equal(nb_base64_decode(enc, strlen(enc), dec, &m), NB_OK);
        assert_int_equal(m, strlen(raw));
        assert_memory_equal(dec, raw, m);
    }
}

static void test_round_trip_random(void **state)
{
    (void)state;
    uint8_t raw[300], dec[300];
    char enc[400];
    srand(3);
    for (size_t n = 0; n < sizeof raw; n++) {
        for (size_t i = 0; i < n; i++)
            raw[i] = (uint8_t)rand();
        size_t e = nb_base64_encode(raw, n, enc), d;
        assert_int_equal(nb_base64_decode(enc, e, dec, &d), NB_OK);
        assert_int_equal(d, n);
        assert_memory_equal(dec, raw, n);
    }
    /* Both extra characters of the alphabet. */
    const uint8_t hi[3] = {0xfb, 0xff, 0xbf};
    assert_int_equal(nb_base64_encode(hi, 3, enc), 4);
    assert_memory_equal(enc, "+/+/", 4);
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const badtext[] = {"Zg=", "Zg", "Z===", "=Zg=", "Zg==Zg==", "Zm9v\n",
                                          "Zm-v", "Zm9v Zm9v", "Zm=v"};
    uint8_t dec[16];
    size_t n;
    for (size_t i = 0; i < sizeof badtext / sizeof *badtext; i++) {
        assert_int_equal(nb_base64_decode(badtext[i], strlen(badtext[i]), dec, &n), NB_EINVAL);
        assert_non_null(strstr(nb_errmsg(), "base64"));
    }
    assert_int_equal(nb_base64_decode("Zm9v*m9v", 8, dec, &n), NB_EINVAL);
    assert_string_equal(nb_errmsg(), "base64: invalid character at character 4");
}

/* Non-zero unused bits decode (as Python does) to the same bytes. */
static void test_loose_padding_bits(void **state)
{
    (void)state;
    uint8_t dec[4];
    size_t n;
    assert_int_equal(nb_base64_decode("Zh==", 4, dec, &n), NB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(dec[0], 'f');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_loose_padding_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
