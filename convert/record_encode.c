/*
 * Record codec, encoding side (nb_record.h): the exact bytes of the original
 * writer. Python's json.dumps defaults for the row, and the protobuf fields
 * in field-number order, written by hand (the wire format of these two
 * messages is a handful of fixed tags, and hand-written code guarantees the
 * order and is faster than packing through protobuf-c).
 */
#include "nb_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_base64.h"
#include "nb_record_internal.h"

/* ---- protobuf ------------------------------------------------------------ */

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

static uint8_t *put_double(uint8_t *o, uint8_t tag, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    *o++ = tag;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    bits = __builtin_bswap64(bits);
#endif
    memcpy(o, &bits, 8); /* wire doubles are little-endian */
    return o + 8;
}

/* Size of one EvaluationData message. */
static size_t eval_size(const nb_evaluation *e)
{
    /* 9 bytes (tag + double) per present scalar: popcount of bits 0..4. */
    size_t n = 9 * (size_t)__builtin_popcount(e->present & 0x1Fu);
    if (e->present & NB_EVAL_CHECKPOINT_PATH) {
        size_t len = e->checkpoint_path ? strlen(e->checkpoint_path) : 0;
        n += 1 + varint_len(len) + len;
    }
    return n;
}

static uint8_t *put_eval(uint8_t *o, const nb_evaluation *e)
{
    const double v[5] = {e->current_epoch, e->training_time, e->train_accuracy,
                         e->validation_accuracy, e->test_accuracy};
    for (int f = 0; f < 5; f++)
        if (e->present & (1u << f))
            o = put_double(o, (uint8_t)((f + 1) << 3 | 1), v[f]);
    if (e->present & NB_EVAL_CHECKPOINT_PATH) {
        size_t len = e->checkpoint_path ? strlen(e->checkpoint_path) : 0;
        *o++ = 0x32;
        o = put_varint(o, len);
        if (len)
            memcpy(o, e->checkpoint_path, len);
        o += len;
    }
    return o;
}

size_t nb_record_encode_metrics(const nb_record *rec, uint8_t *out, size_t cap)
{
    /* int32: negative values are sign-extended to 10-byte varints. */
    uint64_t params = (uint64_t)(int64_t)(int32_t)rec->trainable_parameters;
    size_t size = 0;
    for (int i = 0; i < rec->num_evaluations; i++) {
        size_t n = eval_size(&rec->evaluations[i]);
        size += 1 + varint_len(n) + n;
    }
    if (rec->has_trainable_parameters)
        size += 1 + varint_len(params);
    if (rec->has_total_time)
        size += 9;
    if (!out || cap < size)
        return size;
    uint8_t *o = out;
    for (int i = 0; i < rec->num_evaluations; i++) {
        *o++ = 0x0A;
        o = put_varint(o, eval_size(&rec->evaluations[i]));
        o = put_eval(o, &rec->evaluations[i]);
    }
    if (rec->has_trainable_parameters) {
        *o++ = 0x10;
        o = put_varint(o, params);
    }
    if (rec->has_total_time)
        o = put_double(o, 0x19, rec->total_time);
    return size;
}

/* ---- JSON, as Python's json.dumps(ensure_ascii=True) ----------------------- */

/* Decode one UTF-8 sequence at s[0..n); returns its length or 0 if invalid. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t b = s[0];
    size_t len;
    uint32_t c, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2, c = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, c = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, c = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static char *put_u4(char *o, uint32_t u)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '\\';
    *o++ = 'u';
    for (int sh = 12; sh >= 0; sh -= 4)
        *o++ = hex[(u >> sh) & 15];
    return o;
}

/* Writes the quoted, escaped string; at most 2 + 6 * n bytes. NULL on
 * invalid UTF-8. */
static char *put_json_string(char *o, const char *str, size_t n)
{
    const uint8_t *s = (const uint8_t *)str;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        uint8_t b = s[i];
        if (b >= 0x20 && b <= 0x7E && b != '"' && b != '\\') {
            *o++ = (char)b; /* the common case: printable ASCII as is */
            i++;
            continue;
        }
        uint32_t c;
        size_t k = utf8_next(s + i, n - i, &c);
        if (!k)
            return NULL;
        i += k;
        const char *short_esc = NULL;
        switch (c) {
        case '"': short_esc = "\\\""; break;
        case '\\': short_esc = "\\\\"; break;
        case '\n': short_esc = "\\n"; break;
        case '\r': short_esc = "\\r"; break;
        case '\t': short_esc = "\\t"; break;
        case '\b': short_esc = "\\b"; break;
        case '\f': short_esc = "\\f"; break;
        }
        if (short_esc) {
            *o++ = short_esc[0];
            *o++ = short_esc[1];
        } else if (c >= 0x20 && c <= 0x7E) {
            *o++ = (char)c;
        } else if (c < 0x10000) {
            o = put_u4(o, c);
        } else {
            c -= 0x10000;
            o = put_u4(o, 0xD800 | (c >> 10));
            o = put_u4(o, 0xDC00 | (c & 0x3FF));
        }
    }
    *o++ = '"';
    return o;
}

/* ", <integer>, " without printf (this is the hot loop of synth and export). */
static char *put_epochs(char *o, int64_t v)
{
    char digits[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    *o++ = ',';
    *o++ = ' ';
    if (v < 0)
        *o++ = '-';
    while (n)
        *o++ = digits[--n];
    *o++ = ',';
    *o++ = ' ';
    return o;
}

int nb_record_encode(nb_record_codec *c, const nb_record *rec, const uint8_t **payload,
                     size_t *len)
{
    if (rec->has_trainable_parameters &&
        (rec->trainable_parameters < INT32_MIN || rec->trainable_parameters > INT32_MAX))
        return nb_seterr(NB_EINVAL, "trainable_parameters %" PRId64 " does not fit an int32",
                         rec->trainable_parameters);
    size_t mlen = nb_record_encode_metrics(rec, NULL, 0);
    size_t b64 = nb_base64_encoded_len(mlen);
    size_t need = 64 + 6 * (rec->hash_len + rec->adjacency_len + rec->operations_len) + mlen +
                  b64;
    if (nb_grow((void **)&c->out, &c->out_cap, need, 1))
        return NB_ENOMEM;
    /* The protobuf goes to the tail of the buffer, its base64 in place. */
    uint8_t *bin = c->out + c->out_cap - mlen;
    nb_record_encode_metrics(rec, bin, mlen);
    char *o = (char *)c->out;
    *o++ = '[';
    if (!(o = put_json_string(o, rec->hash, rec->hash_len)))
        goto utf8;
    o = put_epochs(o, rec->epochs);
    if (!(o = put_json_string(o, rec->adjacency, rec->adjacency_len)))
        goto utf8;
    *o++ = ',';
    *o++ = ' ';
    if (!(o = put_json_string(o, rec->operations, rec->operations_len)))
        goto utf8;
    memcpy(o, ", \"", 3);
    o += 3;
    o += nb_base64_encode(bin, mlen, o);
    *o++ = '"';
    *o++ = ']';
    *payload = c->out;
    *len = (size_t)(o - (char *)c->out);
    return NB_OK;
utf8:
    return nb_seterr(NB_EINVAL, "record text is not valid UTF-8");
}

int nb_record_is_canonical(nb_record_codec *c, const nb_record *rec, const void *payload,
                           size_t len, int *exact)
{
    const uint8_t *p;
    size_t n;
    *exact = 0;
    int rc = nb_record_encode(c, rec, &p, &n);
    if (rc == NB_EINVAL)
        return NB_OK; /* not encodable as is: certainly not canonical */
    if (rc)
        return rc;
    *exact = n == len && memcmp(p, payload, n) == 0;
    return NB_OK;
}
