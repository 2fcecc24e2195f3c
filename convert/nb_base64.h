/*
 * Internal: standard base64 (RFC 4648 alphabet "+/", "=" padding), as
 * Python's base64.b64encode writes it. Thread-safe.
 */
#ifndef NB_BASE64_H
#define NB_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encoded length of n bytes (without NUL). */
static inline size_t nb_base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
/* Upper bound of the decoded length of n characters. */
static inline size_t nb_base64_decoded_max(size_t n) { return n / 4 * 3; }

/* Encode n bytes into out (>= nb_base64_encoded_len(n) bytes; no NUL is
 * written). Returns the number of characters written. */
size_t nb_base64_encode(const uint8_t *in, size_t n, char *out);

/* Decode n characters into out (>= nb_base64_decoded_max(n) bytes); *out_len
 * gets the decoded length. Strict: the length must be a multiple of 4, only
 * the standard alphabet, "=" only as the last one or two characters. Unused
 * low bits of the last group are ignored (as Python does), so a text with
 * non-zero padding bits decodes but does not re-encode identically.
 * NB_EINVAL "base64: <what> at character <i>" on bad text. */
int nb_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len);

#endif
