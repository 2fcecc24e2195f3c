/*
 * Internal: MD5 (RFC 1321), own implementation, used by the module hash.
 * Verified against the RFC 1321 test suite (tests/test_md5.c).
 */
#ifndef NB_MD5_H
#define NB_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_md5_ctx {
    uint32_t state[4];
    uint64_t length;   /* bytes fed so far */
    uint8_t block[64]; /* pending partial block */
    size_t used;       /* bytes pending in block */
} nb_md5_ctx;

void nb_md5_init(nb_md5_ctx *ctx);
void nb_md5_update(nb_md5_ctx *ctx, const void *data, size_t len);
void nb_md5_final(nb_md5_ctx *ctx, uint8_t digest[16]);

/* One-shot digest of `len` bytes. */
void nb_md5(const void *data, size_t len, uint8_t digest[16]);

/* 32 lowercase hex characters, no NUL written. Hex of a digest sorts like the
 * digest bytes (memcmp), which the module hash relies on. */
void nb_md5_hex(const uint8_t digest[16], char hex[32]);

#endif
