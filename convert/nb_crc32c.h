/*
 * Internal: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and
 * TensorFlow's CRC mask, as used by the TFRecord framing (reference 1.2).
 *
 * nb_crc32c() picks the SSE4.2 crc32 instruction when the CPU has it (checked
 * once, at the first call) and the portable slicing-by-8 tables otherwise.
 * All functions are thread-safe and never fail.
 */
#ifndef NB_CRC32C_H
#define NB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of `len` bytes, continuing from `crc` (pass 0 to start):
 * nb_crc32c(nb_crc32c(0, a, n), b, m) == CRC of a followed by b.
 * crc32c("123456789") == 0xE3069283. */
uint32_t nb_crc32c(uint32_t crc, const void *data, size_t len);

/* The two implementations, exposed so that tests can compare them.
 * nb_crc32c_hw() must only be called when nb_crc32c_hw_available(). */
uint32_t nb_crc32c_portable(uint32_t crc, const void *data, size_t len);
uint32_t nb_crc32c_hw(uint32_t crc, const void *data, size_t len);
int nb_crc32c_hw_available(void);

#define NB_CRC32C_MASK_DELTA 0xA282EAD8u

/* TensorFlow's mask: rotate right by 15 bits, then add 0xA282EAD8. */
static inline uint32_t nb_crc32c_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + NB_CRC32C_MASK_DELTA;
}

static inline uint32_t nb_crc32c_unmask(uint32_t masked)
{
    uint32_t r = masked - NB_CRC32C_MASK_DELTA;
    return (r >> 17) | (r << 15);
}

#endif
