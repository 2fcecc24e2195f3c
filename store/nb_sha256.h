/*
 * Internal: SHA-256 (FIPS 180-4), streaming. Used for the provenance of
 * converted files (sources.sha256). Picks the x86 SHA extensions when the
 * CPU has them (checked once) and portable C otherwise; both are exposed so
 * that tests compare them. Never fails; a context is used by one thread.
 */
#ifndef NB_SHA256_H
#define NB_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_sha256 {
    uint32_t state[8];
    uint64_t bytes;       /* total message length so far */
    uint8_t block[64];    /* pending partial block */
    size_t fill;
    int hw;               /* use the SHA extensions */
} nb_sha256;

void nb_sha256_init(nb_sha256 *s);
/* Same, forcing the portable implementation (tests). */
void nb_sha256_init_portable(nb_sha256 *s);
void nb_sha256_update(nb_sha256 *s, const void *data, size_t len);
/* Finish: 32 digest bytes into `digest`, or 64 lowercase hex + NUL into `hex`
 * (either may be NULL). The context must be initialised again for reuse. */
void nb_sha256_final(nb_sha256 *s, uint8_t digest[32], char hex[65]);
/* Whether the SHA extensions are used by nb_sha256_init. */
int nb_sha256_hw_available(void);

#endif
