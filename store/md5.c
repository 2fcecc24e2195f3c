/* MD5 (RFC 1321). A straightforward, unrolled implementation: the module hash
 * calls it ~60 times per spec, so the one-shot path avoids copying whole
 * blocks and only pads the tail. */
#include "nb_md5.h"

#include <string.h>

/* The module hash waits on every MD5 (one graph: 49 short messages, then
 * the final list), so the steps are arranged for latency: a + x + K is
 * formed before b of the step is known, and only the part of f that needs b
 * follows it. G(b, c, d) = (b & d) | (c & ~d) has disjoint halves, so it is
 * also (b & d) + (c & ~d) and the c & ~d half joins a early: one op after b
 * instead of three. The empty asm stops GCC from reassociating the sums. */
#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
#define ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))
#define EARLY(v) __asm__("" : "+r"(v))
#define STEP(f, a, b, c, d, x, t, s)                 \
    do {                                             \
        uint32_t e_ = (a) + (x) + (uint32_t)(t);     \
        EARLY(e_);                                   \
        (a) = ROTL(e_ + f((b), (c), (d)), (s)) + (b); \
    } while (0)
#define STEP_G(a, b, c, d, x, t, s)                         \
    do {                                                    \
        uint32_t e_ = (a) + (x) + (uint32_t)(t) + ((c) & ~(d)); \
        EARLY(e_);                                          \
        (a) = ROTL(e_ + ((b) & (d)), (s)) + (b);            \
    } while (0)

static inline uint32_t load_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static void md5_blocks(uint32_t state[4], const uint8_t *p, size_t nblocks)
{
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    for (; nblocks; nblocks--, p += 64) {
        uint32_t x[16];
        for (int i = 0; i < 16; i++)
            x[i] = load_le32(p + 4 * i);
        uint32_t aa = a, bb = b, cc = c, dd = d;

        STEP(F, a, b, c, d, x[0], 0xd76aa478, 7);
        STEP(F, d, a, b, c, x[1], 0xe8c7b756, 12);
        STEP(F, c, d, a, b, x[2], 0x242070db, 17);
        STEP(F, b, c, d, a, x[3], 0xc1bdceee, 22);
        STEP(F, a, b, c, d, x[4], 0xf57c0faf, 7);
        STEP(F, d, a, b, c, x[5], 0x4787c62a, 12);
        STEP(F, c, d, a, b, x[6], 0xa8304613, 17);
        STEP(F, b, c, d, a, x[7], 0xfd469501, 22);
        STEP(F, a, b, c, d, x[8], 0x698098d8, 7);
        STEP(F, d, a, b, c, x[9], 0x8b44f7af, 12);
        STEP(F, c, d, a, b, x[10], 0xffff5bb1, 17);
        STEP(F, b, c, d, a, x[11], 0x895cd7be, 22);
        STEP(F, a, b, c, d, x[12], 0x6b901122, 7);
        STEP(F, d, a, b, c, x[13], 0xfd987193, 12);
        STEP(F, c, d, a, b, x[14], 0xa679438e, 17);
        STEP(F, b, c, d, a, x[15], 0x49b40821, 22);

        STEP_G(a, b, c, d, x[1], 0xf61e2562, 5);
        STEP_G(d, a, b, c, x[6], 0xc040b340, 9);
        STEP_G(c, d, a, b, x[11], 0x265e5a51, 14);
        STEP_G(b, c, d, a, x[0], 0xe9b6c7aa, 20);
        STEP_G(a, b, c, d, x[5], 0xd62f105d, 5);
        STEP_G(d, a, b, c, x[10], 0x02441453, 9);
        STEP_G(c, d, a, b, x[15], 0xd8a1e681, 14);
        STEP_G(b, c, d, a, x[4], 0xe7d3fbc8, 20);
        STEP_G(a, b, c, d, x[9], 0x21e1cde6, 5);
        STEP_G(d, a, b, c, x[14], 0xc33707d6, 9);
        STEP_G(c, d, a, b, x[3], 0xf4d50d87, 14);
        STEP_G(b, c, d, a, x[8], 0x455a14ed, 20);
        STEP_G(a, b, c, d, x[13], 0xa9e3e905, 5);
        STEP_G(d, a, b, c, x[2], 0xfcefa3f8, 9);
        STEP_G(c, d, a, b, x[7], 0x676f02d9, 14);
        STEP_G(b, c, d, a, x[12], 0x8d2a4c8a, 20);

        STEP(H, a, b, c, d, x[5], 0xfffa3942, 4);
        STEP(H, d, a, b, c, x[8], 0x8771f681, 11);
        STEP(H, c, d, a, b, x[11], 0x6d9d6122, 16);
        STEP(H, b, c, d, a, x[14], 0xfde5380c, 23);
        STEP(H, a, b, c, d, x[1], 0xa4beea44, 4);
        STEP(H, d, a, b, c, x[4], 0x4bdecfa9, 11);
        STEP(H, c, d, a, b, x[7], 0xf6bb4b60, 16);
        STEP(H, b, c, d, a, x[10], 0xbebfbc70, 23);
        STEP(H, a, b, c, d, x[13], 0x289b7ec6, 4);
        STEP(H, d, a, b, c, x[0], 0xeaa127fa, 11);
        STEP(H, c, d, a, b, x[3], 0xd4ef3085, 16);
        STEP(H, b, c, d, a, x[6], 0x04881d05, 23);
        STEP(H, a, b, c, d, x[9], 0xd9d4d039, 4);
        STEP(H, d, a, b, c, x[12], 0xe6db99e5, 11);
        STEP(H, c, d, a, b, x[15], 0x1fa27cf8, 16);
        STEP(H, b, c, d, a, x[2], 0xc4ac5665, 23);

        STEP(I, a, b, c, d, x[0], 0xf4292244, 6);
        STEP(I, d, a, b, c, x[7], 0x432aff97, 10);
        STEP(I, c, d, a, b, x[14], 0xab9423a7, 15);
        STEP(I, b, c, d, a, x[5], 0xfc93a039, 21);
        STEP(I, a, b, c, d, x[12], 0x655b59c3, 6);
        STEP(I, d, a, b, c, x[3], 0x8f0ccc92, 10);
        STEP(I, c, d, a, b, x[10], 0xffeff47d, 15);
        STEP(I, b, c, d, a, x[1], 0x85845dd1, 21);
        STEP(I, a, b, c, d, x[8], 0x6fa87e4f, 6);
        STEP(I, d, a, b, c, x[15], 0xfe2ce6e0, 10);
        STEP(I, c, d, a, b, x[6], 0xa3014314, 15);
        STEP(I, b, c, d, a, x[13], 0x4e0811a1, 21);
        STEP(I, a, b, c, d, x[4], 0xf7537e82, 6);
        STEP(I, d, a, b, c, x[11], 0xbd3af235, 10);
        STEP(I, c, d, a, b, x[2], 0x2ad7d2bb, 15);
        STEP(I, b, c, d, a, x[9], 0xeb86d391, 21);

        a += aa;
        b += bb;
        c += cc;
        d += dd;
    }
    state[0] = a;
    state[1] = b;
    state[2] = c;
    state[3] = d;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void nb_md5_init(nb_md5_ctx *ctx)
{
    ctx->state[0] = 0x67452301;
    ctx->state[1] = 0xefcdab89;
    ctx->state[2] = 0x98badcfe;
    ctx->state[3] = 0x10325476;
    ctx->length = 0;
    ctx->used = 0;
}

void nb_md5_update(nb_md5_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    ctx->length += len;
    if (ctx->used) {
        size_t take = 64 - ctx->used;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->used, p, take);
        ctx->used += take;
        p += take;
        len -= take;
        if (ctx->used < 64)
            return;
        md5_blocks(ctx->state, ctx->block, 1);
        ctx->used = 0;
    }
    if (len >= 64) {
        md5_blocks(ctx->state, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    memcpy(ctx->block, p, len);
    ctx->used = len;
}

void nb_md5_final(nb_md5_ctx *ctx, uint8_t digest[16])
{
    uint64_t bits = ctx->length * 8;
    size_t n = ctx->used;
    ctx->block[n++] = 0x80;
    if (n > 56) {
        memset(ctx->block + n, 0, 64 - n);
        md5_blocks(ctx->state, ctx->block, 1);
        n = 0;
    }
    memset(ctx->block + n, 0, 56 - n);
    for (int i = 0; i < 8; i++)
        ctx->block[56 + i] = (uint8_t)(bits >> (8 * i));
    md5_blocks(ctx->state, ctx->block, 1);
    for (int i = 0; i < 4; i++)
        store_le32(digest + 4 * i, ctx->state[i]);
}

void nb_md5(const void *data, size_t len, uint8_t digest[16])
{
    nb_md5_ctx ctx;
    nb_md5_init(&ctx);
    /* Whole blocks straight from the caller's buffer; only the tail is copied. */
    size_t whole = len & ~(size_t)63;
    if (whole)
        md5_blocks(ctx.state, data, whole / 64);
    ctx.length = len;
    ctx.used = len - whole;
    memcpy(ctx.block, (const uint8_t *)data + whole, ctx.used);
    nb_md5_final(&ctx, digest);
}

/* Two hex digits per table entry (the text "000102...feff", built at
 * compile time): 16 lookups instead of 32. */
#define HEX_ROW(h)                                                                         \
    h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h "e" \
    h "f"
static const char hex_pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4")
    HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a") HEX_ROW("b")
    HEX_ROW("c") HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");

void nb_md5_hex(const uint8_t digest[16], char hex[32])
{
    for (int i = 0; i < 16; i++)
        memcpy(hex + 2 * i, hex_pairs + 2 * digest[i], 2);
}
