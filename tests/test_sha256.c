/* SHA-256 against the FIPS 180-4 / NIST example vectors, and the SHA
 * extension path against the portable one on every length and split. */
#include <stdlib.h>
#include <string.h>

#include "nb_sha256.h"
#include "nb_test.h"

static void hex_of(const void *data, size_t len, int portable, char hex[65])
{
    nb_sha256 s;
    if (portable)
        nb_sha256_init_portable(&s);
    else
        nb_sha256_init(&s);
    nb_sha256_update(&s, data, len);
    nb_sha256_final(&s, NULL, hex);
}

static void test_standard_vectors(void **state)
{
    (void)state;
    static const struct { const char *msg, *hex; } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
         "nopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (int portable = 0; portable < 2; portable++) {
            hex_of(v[i].msg, strlen(v[i].msg), portable, hex);
            assert_string_equal(hex, v[i].hex);
        }
    }
}

static void test_million_a(void **state)
{
    (void)state;
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    char hex[65];
    for (int portable = 0; portable < 2; portable++) {
        hex_of(a, 1000000, portable, hex);
        assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(a);
}

/* Every length 0..300 and an odd split: both paths and both feeding
 * patterns give the same digest. */
static void test_paths_agree(void **state)
{
    (void)state;
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t n = 0; n <= sizeof buf; n++) {
        char a[65], b[65], c[65];
        hex_of(buf, n, 1, a);
        hex_of(buf, n, 0, b);
        assert_string_equal(a, b);
        nb_sha256 s;
        nb_sha256_init(&s);
        nb_sha256_update(&s, buf, n / 3);
        nb_sha256_update(&s, buf + n / 3, n - n / 3);
        uint8_t d[32];
        nb_sha256_final(&s, d, c);
        assert_string_equal(a, c);
    }
    print_message("SHA extensions %s\n", nb_sha256_hw_available() ? "used" : "not available");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_standard_vectors),
                                       cmocka_unit_test(test_million_a),
                                       cmocka_unit_test(test_paths_agree)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
