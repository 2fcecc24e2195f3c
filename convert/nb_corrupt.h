/*
 * Internal: the kinds of bad input in a dataset file, shared by the TFRecord
 * reader (framing), the record codec (payload) and the converter (which
 * counts them with --skip-corrupt). Implemented in corrupt.c.
 */
#ifndef NB_CORRUPT_H
#define NB_CORRUPT_H

typedef enum nb_corrupt_kind {
    NB_CORRUPT_NONE = 0,
    /* framing (nb_tfrecord.h) */
    NB_CORRUPT_TRUNCATED,     /* the file ends inside a record */
    NB_CORRUPT_LENGTH_CRC,    /* masked CRC of the 8 length bytes differs */
    NB_CORRUPT_DATA_CRC,      /* masked CRC of the payload differs */
    NB_CORRUPT_TOO_LARGE,     /* length above NB_TFR_MAX_RECORD */
    NB_CORRUPT_ZSTD,          /* the zstd stream cannot be decompressed */
    /* payload (nb_record.h) */
    NB_CORRUPT_JSON,          /* payload is not JSON */
    NB_CORRUPT_SHAPE,         /* JSON, but not [str, int, str, str, str] */
    NB_CORRUPT_BASE64,        /* metrics string is not standard padded base64 */
    NB_CORRUPT_PROTOBUF,      /* metrics bytes are not a ModelMetrics */
    /* validation (nb_record_validate) */
    NB_CORRUPT_NON_SQUARE,    /* adjacency length is not V*V, 1 <= V <= NB_MAX_VERTICES */
    NB_CORRUPT_BAD_SPEC,      /* not 0/1, not upper triangular, op count != V */
    NB_CORRUPT_UNKNOWN_OP,    /* an op name outside the five of the space */
    NB_CORRUPT_HASH_MISMATCH, /* stored hash != hash of adjacency and ops */
    NB_CORRUPT_COUNT
} nb_corrupt_kind;

/* Short English name ("bad data CRC", "hash mismatch", ...). Static string;
 * "unknown" for an out-of-range value. */
const char *nb_corrupt_name(nb_corrupt_kind kind);

/* Whether reading can go on after this kind. Payload and validation errors
 * and a bad data CRC leave the framing intact (the next record is readable);
 * truncation, a bad length CRC, an oversized length and zstd errors do not. */
int nb_corrupt_recoverable(nb_corrupt_kind kind);

#endif
