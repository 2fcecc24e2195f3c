/* Standard base64 with padding (nb_base64.h). */
#include "nb_base64.h"

#include "nasbench/error.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 64 for '=', 255 for anything else. */
static const uint8_t rev[256] = {
#define R255 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
    R255, R255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 62, 255, 255, 255, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 255, 255, 255, 64, 255, 255,
    255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 255, 255, 255, 255, 255,
    255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 255, 255, 255, 255, 255,
    R255, R255, R255, R255, R255, R255, R255, R255,
#undef R255
};

size_t nb_base64_encode(const uint8_t *in, size_t n, char *out)
{
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = alphabet[(v >> 6) & 63];
        o[3] = alphabet[v & 63];
        o += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = o[3] = '=';
        o += 4;
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = alphabet[(v >> 6) & 63];
        o[3] = '=';
        o += 4;
    }
    return (size_t)(o - out);
}

int nb_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)in;
    if (n % 4)
        return nb_seterr(NB_EINVAL, "base64: length %zu is not a multiple of 4", n);
    size_t pad = 0;
    if (n >= 1 && s[n - 1] == '=')
        pad = (n >= 2 && s[n - 2] == '=') ? 2 : 1;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int last = i + 4 == n;
        for (int k = 0; k < 4; k++) {
            uint8_t d = rev[s[i + k]];
            /* '=' is only allowed as the last `pad` characters. */
            if (d == 64 && last && (size_t)k >= 4 - pad)
                d = 0;
            else if (d >= 64)
                return nb_seterr(NB_EINVAL, "base64: %s at character %zu",
                                 d == 64 ? "misplaced padding" : "invalid character", i + k);
            v = v << 6 | d;
        }
        o[0] = (uint8_t)(v >> 16);
        o[1] = (uint8_t)(v >> 8);
        o[2] = (uint8_t)v;
        o += last ? 3 - pad : 3;
    }
    *out_len = (size_t)(o - out);
    return NB_OK;
}
