/*
 * Internal: the payload of one dataset record (reference 1.3 and 1.4).
 *
 * A payload is the JSON text
 *     ["<hash>", <epochs>, "<adjacency bits>", "<ops csv>", "<base64>"]
 * laid out as Python's json.dumps writes it by default (", " separators,
 * ASCII only, non-ASCII and control characters as \uXXXX), where <base64> is
 * standard padded base64 of a serialized nasbench.ModelMetrics (proto2, see
 * model_metrics.proto): repeated EvaluationData evaluation_data = 1,
 * optional int32 trainable_parameters = 2, optional double total_time = 3.
 *
 * Decoding scans rows in the writer's own layout directly and hands any
 * other text to nb_json_parse (same result, and its error messages), then
 * decodes the metrics with protobuf-c (with an arena allocator, so no
 * allocation per record once warm). Encoding writes exactly the bytes the
 * original writer produced: the JSON layout above, and the protobuf fields
 * in field-number order with only the present fields.
 *
 * Errors follow nasbench/error.h. Bad payloads give NB_ECORRUPT with a
 * one-line message starting with the kind ("bad JSON: ...", "bad base64:
 * ...", ...) and *kind set; callers prefix the file, record and offset with
 * nb_preferr(). A codec is used by one thread at a time.
 */
#ifndef NB_RECORD_H
#define NB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "nasbench/db.h"
#include "nasbench/spec.h"
#include "nb_corrupt.h"

typedef struct nb_record {
    /* The JSON fields. Decoded strings point into the payload (rows in the
     * writer's own layout) or into the codec (any other JSON): valid while
     * both the payload and the codec's last decode are. For encoding the
     * caller owns them. Not NUL-terminated: use the lengths. */
    const char *hash;
    size_t hash_len;
    int64_t epochs;
    const char *adjacency;
    size_t adjacency_len;
    const char *operations;
    size_t operations_len;
    /* The ModelMetrics fields, with proto2 presence. */
    int has_trainable_parameters;
    int64_t trainable_parameters; /* int32 on the wire */
    int has_total_time;
    double total_time;
    int num_evaluations;
    const nb_evaluation *evaluations; /* decoded: owned by the codec */
} nb_record;

typedef struct nb_record_codec nb_record_codec;

/* A codec owns the buffers of decoding and encoding; reuse one per thread
 * for a whole file. Free with nb_record_codec_free (NULL is a no-op). */
int nb_record_codec_new(nb_record_codec **out);
void nb_record_codec_free(nb_record_codec *c);

/* Decode a payload. On NB_ECORRUPT *kind (may be NULL) is one of
 * NB_CORRUPT_JSON, _SHAPE, _BASE64, _PROTOBUF. Shape means: a JSON array of
 * exactly 5 elements, string, integer in [0, INT32_MAX], string, string,
 * string. The record points into the codec and the payload (see above). */
int nb_record_decode(nb_record_codec *c, const void *payload, size_t len, nb_record *rec,
                     nb_corrupt_kind *kind);

/* Decode only the ModelMetrics bytes into the metric fields of rec (the JSON
 * fields are left alone). NB_ECORRUPT "bad protobuf: ..." on failure. */
int nb_record_decode_metrics(nb_record_codec *c, const uint8_t *bytes, size_t len,
                             nb_record *rec);

/* Encode a record as the original writer would. On success *payload points
 * to the codec's buffer (valid until the next encode) holding *len bytes.
 * The record may point into the codec's decode storage. NB_EINVAL when a
 * string is not valid UTF-8 or a value does not fit its wire type. */
int nb_record_encode(nb_record_codec *c, const nb_record *rec, const uint8_t **payload,
                     size_t *len);

/* The serialized ModelMetrics of rec into out (cap bytes). Returns the size
 * it needs; writes nothing when out is NULL or cap is smaller than that. */
size_t nb_record_encode_metrics(const nb_record *rec, uint8_t *out, size_t cap);

/* Whether `payload` is byte for byte what nb_record_encode makes of its own
 * decoding `rec` (the converter keeps the raw payload only when it is not).
 * *exact gets 1 or 0. Fails only as nb_record_encode does. */
int nb_record_is_canonical(nb_record_codec *c, const nb_record *rec, const void *payload,
                           size_t len, int *exact);

/* Check a decoded record against the rules of the space: the adjacency
 * length is V*V with 1 <= V <= NB_MAX_VERTICES (else NB_CORRUPT_NON_SQUARE),
 * every op is one of input, output, conv3x3-bn-relu, conv1x1-bn-relu,
 * maxpool3x3 (else _UNKNOWN_OP), V ops, entries 0/1, strictly upper
 * triangular, input first, output last, no input/output inside (else
 * _BAD_SPEC), and the stored hash equals nb_spec_hash of the stored spec as
 * it is (else _HASH_MISMATCH). NB_ECORRUPT with "<kind>: ..." on failure.
 * On success *spec (may be NULL) gets the parsed spec. The last valid
 * (hash, adjacency, ops) of the thread is remembered, so the runs of one
 * module in a row cost one hash computation. */
int nb_record_validate(const nb_record *rec, nb_spec *spec, nb_corrupt_kind *kind);

#endif
