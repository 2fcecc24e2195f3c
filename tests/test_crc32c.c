/* CRC-32C and TensorFlow's mask: the vectors of reference section 1.2, and
 * the portable and SSE4.2 paths agreeing on random data. */
#include <stdlib.h>
#include <string.h>

#include "nb_crc32c.h"
#include "nb_test.h"

typedef struct {
    const char *bytes;
    size_t len;
    uint32_t crc, masked;
} vector;

static const vector vectors[] = {
    {"", 0, 0x00000000u, 0xA282EAD8u},
    {"a", 1, 0xC1D04330u, 0x28E46E78u},
    {"123456789", 9, 0xE3069283u, 0xC78AB0E5u},
    {"hello", 5, 0x9A71BB4Cu, 0x191C1FBBu},
    {"\x05\0\0\0\0\0\0\0", 8, 0xE4094DC0u, 0x3E04B2EAu},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
        const vector *v = &vectors[i];
        assert_int_equal(nb_crc32c(0, v->bytes, v->len), v->crc);
        assert_int_equal(nb_crc32c_portable(0, v->bytes, v->len), v->crc);
        if (nb_crc32c_hw_available())
            assert_int_equal(nb_crc32c_hw(0, v->bytes, v->len), v->crc);
        assert_int_equal(nb_crc32c_mask(v->crc), v->masked);
        assert_int_equal(nb_crc32c_unmask(v->masked), v->crc);
    }
}

/* An independent bit-wise CRC-32C (reflected polynomial 0x82F63B78). */
static uint32_t bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

static void test_against_bitwise(void **state)
{
    (void)state;
    uint8_t buf[1031];
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    /* Every length and alignment up to a few words, then a long buffer. */
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n < 40; n++)
            assert_int_equal(nb_crc32c_portable(0, buf + off, n), bitwise(buf + off, n));
    assert_int_equal(nb_crc32c_portable(0, buf, sizeof buf), bitwise(buf, sizeof buf));
}

static void test_paths_agree(void **state)
{
    (void)state;
    if (!nb_crc32c_hw_available())
        skip();
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    srand(42);
    for (size_t i = 0; i < cap; i++)
        buf[i] = (uint8_t)rand();
    for (int t = 0; t < 2000; t++) {
        size_t off = (size_t)rand() % 64, n = (size_t)rand() % (cap - 64);
        if (t < 200)
            n = (size_t)t; /* short ones too */
        uint32_t seed = (uint32_t)rand();
        assert_int_equal(nb_crc32c_hw(seed, buf + off, n), nb_crc32c_portable(seed, buf + off, n));
    }
    free(buf);
}

static void test_continuation(void **state)
{
    (void)state;
    const char *s = "123456789";
    for (size_t k = 0; k <= 9; k++)
        assert_int_equal(nb_crc32c(nb_crc32c(0, s, k), s + k, 9 - k), 0xE3069283u);
}

/* The complete 21-byte record of section 1.2. */
static void test_hello_record(void **state)
{
    (void)state;
    static const uint8_t want[21] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0xea, 0xb2, 0x04,
                                     0x3e, 'h', 'e', 'l', 'l', 'o', 0xbb, 0x1f, 0x1c, 0x19};
    uint8_t len[8] = {5, 0, 0, 0, 0, 0, 0, 0};
    uint32_t m1 = nb_crc32c_mask(nb_crc32c(0, len, 8));
    uint32_t m2 = nb_crc32c_mask(nb_crc32c(0, "hello", 5));
    uint8_t got[21];
    memcpy(got, len, 8);
    for (int i = 0; i < 4; i++) {
        got[8 + i] = (uint8_t)(m1 >> (8 * i));
        got[17 + i] = (uint8_t)(m2 >> (8 * i));
    }
    memcpy(got + 12, "hello", 5);
    assert_memory_equal(got, want, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),       cmocka_unit_test(test_against_bitwise),
        cmocka_unit_test(test_paths_agree),   cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_hello_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
