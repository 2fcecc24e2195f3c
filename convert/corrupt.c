/* Names of the kinds of bad input (nb_corrupt.h). */
#include "nb_corrupt.h"

const char *nb_corrupt_name(nb_corrupt_kind kind)
{
    static const char *const names[NB_CORRUPT_COUNT] = {
        [NB_CORRUPT_NONE] = "no error",
        [NB_CORRUPT_TRUNCATED] = "truncated record",
        [NB_CORRUPT_LENGTH_CRC] = "bad length CRC",
        [NB_CORRUPT_DATA_CRC] = "bad data CRC",
        [NB_CORRUPT_TOO_LARGE] = "record too large",
        [NB_CORRUPT_ZSTD] = "bad zstd stream",
        [NB_CORRUPT_JSON] = "bad JSON",
        [NB_CORRUPT_SHAPE] = "bad shape",
        [NB_CORRUPT_BASE64] = "bad base64",
        [NB_CORRUPT_PROTOBUF] = "bad protobuf",
        [NB_CORRUPT_NON_SQUARE] = "non-square adjacency",
        [NB_CORRUPT_BAD_SPEC] = "bad spec",
        [NB_CORRUPT_UNKNOWN_OP] = "unknown op",
        [NB_CORRUPT_HASH_MISMATCH] = "hash mismatch",
    };
    if ((int)kind < 0 || kind >= NB_CORRUPT_COUNT)
        return "unknown";
    return names[kind];
}

int nb_corrupt_recoverable(nb_corrupt_kind kind)
{
    /* Only these leave the framing of the following records intact. */
    return kind == NB_CORRUPT_DATA_CRC || (kind >= NB_CORRUPT_JSON && kind < NB_CORRUPT_COUNT);
}
