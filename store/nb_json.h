/*
 * Internal: a small JSON reader (DOM in a reusable arena) and the writing
 * helpers every component uses for JSON output. Not installed.
 */
#ifndef NB_JSON_H
#define NB_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { NB_JSON_NULL, NB_JSON_FALSE, NB_JSON_TRUE, NB_JSON_NUMBER, NB_JSON_STRING,
       NB_JSON_ARRAY, NB_JSON_OBJECT };

typedef struct nb_json {
    int type;
    int is_integer;         /* number written without fraction or exponent, fits int64 */
    size_t len;             /* string: bytes; array/object: number of items */
    const char *key;        /* set on object members: the unescaped, NUL-terminated key */
    double number;          /* NB_JSON_NUMBER */
    int64_t integer;        /* NB_JSON_NUMBER with is_integer */
    const char *string;     /* NB_JSON_STRING: unescaped UTF-8, NUL-terminated */
    const struct nb_json *items; /* NB_JSON_ARRAY / NB_JSON_OBJECT: len items */
} nb_json;

/* A document owns every value of the last parse; parsing again reuses its
 * memory, so one document serves a hot loop without per-record allocation. */
typedef struct nb_json_doc nb_json_doc;

nb_json_doc *nb_json_doc_new(void);
void nb_json_doc_free(nb_json_doc *doc);

/* Parse `len` bytes of text (need not be NUL-terminated). On success *root
 * points into doc, valid until the next parse or free. On failure NB_EINVAL
 * with "JSON: <what> at byte <offset>". Nesting is limited to 64 levels. */
int nb_json_parse(nb_json_doc *doc, const char *text, size_t len, const nb_json **root);

/* Member of an object by key, or NULL. */
const nb_json *nb_json_get(const nb_json *object, const char *key);

/* Writing. nb_json_fmt_double writes the shortest text that reads back to the
 * same double (like Python's repr: "0.1", "1.0", "1e-05") into buf (>= 32
 * bytes) and returns buf. Non-finite values are written as null. */
char *nb_json_fmt_double(double value, char *buf);
/* Writes a JSON string literal with escapes. */
void nb_json_put_string(FILE *out, const char *s);

#endif
