/* MD5 against the RFC 1321 test suite (appendix A.5), plus incremental
 * updates that cross block boundaries and the 55/56/64-byte padding edges. */
#include "nb_test.h"

#include <string.h>

#include "nb_md5.h"

static void hex_of(const void *data, size_t len, char out[33])
{
    uint8_t d[16];
    nb_md5(data, len, d);
    nb_md5_hex(d, out);
    out[32] = '\0';
}

static void test_rfc1321_suite(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890"
         "123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[33];
        hex_of(cases[i][0], strlen(cases[i][0]), hex);
        assert_string_equal(hex, cases[i][1]);
    }
}

/* The trace strings of reference 3.2 are MD5 inputs too. */
static void test_trace_strings(void **state)
{
    (void)state;
    char hex[33];
    hex_of("(1, 0, -1)", 10, hex);
    assert_string_equal(hex, "3bb65a81afada4c50c2c4630873f0a79");
    hex_of("(0, 1, -2)", 10, hex);
    assert_string_equal(hex, "da7ed8fcf085d449b70116bd536a0344");
}

/* Incremental hashing in every split equals the one-shot digest, for lengths
 * around the padding edges. */
static void test_incremental(void **state)
{
    (void)state;
    char data[200];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + (i * 7) % 26);
    static const size_t lengths[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t len = lengths[k];
        uint8_t one[16];
        nb_md5(data, len, one);
        for (size_t split = 0; split <= len; split += 13) {
            nb_md5_ctx ctx;
            uint8_t two[16];
            nb_md5_init(&ctx);
            nb_md5_update(&ctx, data, split);
            nb_md5_update(&ctx, data + split, len - split);
            nb_md5_final(&ctx, two);
            assert_memory_equal(one, two, 16);
        }
    }
}

/* A million 'a's (a classic extra vector). */
static void test_million_a(void **state)
{
    (void)state;
    static char block[1000];
    memset(block, 'a', sizeof block);
    nb_md5_ctx ctx;
    nb_md5_init(&ctx);
    for (int i = 0; i < 1000; i++)
        nb_md5_update(&ctx, block, sizeof block);
    uint8_t d[16];
    char hex[33];
    nb_md5_final(&ctx, d);
    nb_md5_hex(d, hex);
    hex[32] = '\0';
    assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321_suite),
        cmocka_unit_test(test_trace_strings),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
