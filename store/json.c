/*
 * A small JSON reader for the formats nasbench reads (CLI arguments, JSON
 * lines, the dataset's record payloads) and the writing helpers shared by
 * every command that prints JSON.
 *
 * Values live in an arena owned by the document, so the converter parses
 * millions of records without a malloc per record: the arena is reset, not
 * freed, between parses.
 */
#include "nb_json.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"

#define NB_JSON_MAX_DEPTH 64

struct nb_json_doc {
    char *arena; /* values and unescaped strings */
    size_t used, cap;
    /* scratch stack of values of the arrays/objects being parsed */
    nb_json *stack;
    size_t stack_used, stack_cap;
};

typedef struct parser {
    nb_json_doc *doc;
    const char *text;
    size_t len, pos;
    int depth;
    int failed; /* arena exhausted mid-parse: retry with a bigger one */
} parser;

nb_json_doc *nb_json_doc_new(void)
{
    return calloc(1, sizeof(nb_json_doc));
}

void nb_json_doc_free(nb_json_doc *doc)
{
    if (!doc)
        return;
    free(doc->arena);
    free(doc->stack);
    free(doc);
}

/* Arena allocation never moves earlier values: the arena is sized before a
 * parse (text length bounds everything) so it cannot run out mid-parse. */
static void *arena_alloc(parser *p, size_t n)
{
    nb_json_doc *doc = p->doc;
    size_t aligned = (doc->used + 15) & ~(size_t)15;
    if (aligned + n > doc->cap) {
        p->failed = 1;
        return NULL;
    }
    doc->used = aligned + n;
    return doc->arena + aligned;
}

static int fail(parser *p, const char *what)
{
    return nb_seterr(NB_EINVAL, "JSON: %s at byte %zu", what, p->pos);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int push(parser *p, const nb_json *v)
{
    nb_json_doc *doc = p->doc;
    if (doc->stack_used == doc->stack_cap) {
        size_t cap = doc->stack_cap ? doc->stack_cap * 2 : 64;
        nb_json *s = realloc(doc->stack, cap * sizeof *s);
        if (!s)
            return nb_seterr(NB_ENOMEM, "JSON: out of memory");
        doc->stack = s;
        doc->stack_cap = cap;
    }
    doc->stack[doc->stack_used++] = *v;
    return NB_OK;
}

static int parse_value(parser *p, nb_json *out);

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex4(parser *p, unsigned *cp)
{
    if (p->pos + 4 > p->len)
        return fail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->text[p->pos + i]);
        if (h < 0)
            return fail(p, "bad \\u escape");
        v = v * 16 + (unsigned)h;
    }
    p->pos += 4;
    *cp = v;
    return NB_OK;
}

static size_t put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int parse_escape(parser *p, char *dst, size_t *n)
{
    char c = p->text[p->pos++];
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        dst[(*n)++] = to[hit - from];
        return NB_OK;
    }
    if (c != 'u')
        return fail(p, "bad escape");
    unsigned cp;
    int rc = read_hex4(p, &cp);
    if (rc)
        return rc;
    if (cp >= 0xD800 && cp < 0xDC00) {
        unsigned lo;
        if (p->pos + 2 > p->len || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
            return fail(p, "unpaired surrogate");
        p->pos += 2;
        if ((rc = read_hex4(p, &lo)))
            return rc;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(p, "unpaired surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(p, "unpaired surrogate");
    }
    *n += put_utf8(dst + *n, cp);
    return NB_OK;
}

/* Parses a string literal at p->pos (the opening quote) into the arena. */
static int parse_string(parser *p, const char **s, size_t *slen)
{
    size_t start = ++p->pos, end = start;
    while (end < p->len && p->text[end] != '"') /* upper bound of the unescaped size */
        end += p->text[end] == '\\' ? 2 : 1;
    char *dst = arena_alloc(p, end - start + 1);
    if (!dst)
        return NB_ENOMEM;
    size_t n = 0;
    for (;;) {
        if (p->pos >= p->len)
            return fail(p, "unterminated string");
        unsigned char c = (unsigned char)p->text[p->pos];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(p, "control character in string");
        p->pos++;
        if (c == '\\') {
            if (p->pos >= p->len)
                return fail(p, "unterminated string");
            int rc = parse_escape(p, dst, &n);
            if (rc)
                return rc;
        } else {
            dst[n++] = (char)c;
        }
    }
    p->pos++;
    dst[n] = '\0';
    *s = dst;
    *slen = n;
    return NB_OK;
}

static int parse_number(parser *p, nb_json *out)
{
    size_t start = p->pos;
    int integral = 1;
    if (p->pos < p->len && p->text[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
        return fail(p, "bad number");
    if (p->text[p->pos] == '0' && p->pos + 1 < p->len && p->text[p->pos + 1] >= '0' &&
        p->text[p->pos + 1] <= '9')
        return fail(p, "leading zero in number");
    while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    if (p->pos < p->len && p->text[p->pos] == '.') {
        integral = 0;
        p->pos++;
        if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
            return fail(p, "bad number");
        while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
            p->pos++;
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        integral = 0;
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
            return fail(p, "bad number");
        while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
            p->pos++;
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof buf)
        return fail(p, "number too long");
    memcpy(buf, p->text + start, n);
    buf[n] = '\0';
    out->type = NB_JSON_NUMBER;
    out->number = strtod(buf, NULL);
    if (integral) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        out->is_integer = errno == 0;
        out->integer = v;
    }
    return NB_OK;
}

static int parse_literal(parser *p, const char *word, int type, nb_json *out)
{
    size_t n = strlen(word);
    if (p->pos + n > p->len || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, "unexpected character");
    p->pos += n;
    out->type = type;
    return NB_OK;
}

/* Arrays and objects: members are collected on the scratch stack, then
 * copied into one arena block so that items are contiguous. */
static int parse_container(parser *p, nb_json *out, int is_object)
{
    char close = is_object ? '}' : ']';
    size_t base = p->doc->stack_used;
    if (++p->depth > NB_JSON_MAX_DEPTH)
        return fail(p, "nesting too deep");
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            nb_json item = {0};
            skip_ws(p);
            if (is_object) {
                size_t klen;
                if (p->pos >= p->len || p->text[p->pos] != '"')
                    return fail(p, "expected object key");
                int rc = parse_string(p, &item.key, &klen);
                if (rc)
                    return rc;
                skip_ws(p);
                if (p->pos >= p->len || p->text[p->pos] != ':')
                    return fail(p, "expected ':'");
                p->pos++;
            }
            const char *key = item.key;
            int rc = parse_value(p, &item);
            if (rc)
                return rc;
            item.key = key;
            if ((rc = push(p, &item)))
                return rc;
            skip_ws(p);
            if (p->pos < p->len && p->text[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->text[p->pos] == close) {
                p->pos++;
                break;
            }
            return fail(p, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    size_t count = p->doc->stack_used - base;
    nb_json *items = NULL;
    if (count) {
        items = arena_alloc(p, count * sizeof *items);
        if (!items)
            return NB_ENOMEM;
        memcpy(items, p->doc->stack + base, count * sizeof *items);
    }
    p->doc->stack_used = base;
    p->depth--;
    out->type = is_object ? NB_JSON_OBJECT : NB_JSON_ARRAY;
    out->items = items;
    out->len = count;
    return NB_OK;
}

static int parse_value(parser *p, nb_json *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of input");
    switch (p->text[p->pos]) {
    case '{': return parse_container(p, out, 1);
    case '[': return parse_container(p, out, 0);
    case '"':
        out->type = NB_JSON_STRING;
        return parse_string(p, &out->string, &out->len);
    case 't': return parse_literal(p, "true", NB_JSON_TRUE, out);
    case 'f': return parse_literal(p, "false", NB_JSON_FALSE, out);
    case 'n': return parse_literal(p, "null", NB_JSON_NULL, out);
    default: return parse_number(p, out);
    }
}

/* Inside a container every value takes at least two input bytes (itself
 * and a separator), one nb_json and, for strings and keys, at most its input
 * bytes plus NUL and alignment. So this size bounds the arena and
 * arena_alloc cannot fail mid-parse. */
static int reserve(nb_json_doc *doc, size_t len)
{
    size_t need = (len / 2 + 4) * (sizeof(nb_json) + 48) + 2 * len + 64;
    doc->used = 0;
    doc->stack_used = 0;
    if (need <= doc->cap)
        return NB_OK;
    char *a = realloc(doc->arena, need);
    if (!a)
        return nb_seterr(NB_ENOMEM, "JSON: out of memory for %zu bytes of text", len);
    doc->arena = a;
    doc->cap = need;
    return NB_OK;
}

int nb_json_parse(nb_json_doc *doc, const char *text, size_t len, const nb_json **root)
{
    parser p = {doc, text, len, 0, 0, 0};
    int rc = reserve(doc, len);
    if (rc)
        return rc;
    nb_json *value = arena_alloc(&p, sizeof *value);
    if (!value)
        return nb_seterr(NB_ENOMEM, "JSON: arena exhausted");
    rc = parse_value(&p, value);
    if (rc == NB_OK) {
        skip_ws(&p);
        if (p.pos != p.len)
            rc = fail(&p, "trailing characters");
    }
    if (p.failed)
        return nb_seterr(NB_ENOMEM, "JSON: arena exhausted");
    if (rc)
        return rc;
    *root = value;
    return NB_OK;
}

const nb_json *nb_json_get(const nb_json *object, const char *key)
{
    if (!object || object->type != NB_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->len; i++)
        if (!strcmp(object->items[i].key, key))
            return &object->items[i];
    return NULL;
}

/* Python's repr of a float: the shortest digits that read back exactly,
 * always with a '.' or an exponent so that it stays a float. %.15g is
 * already the shortest form whenever it reads back (%g drops trailing
 * zeros, and a normal double is closer to its short decimal than half a
 * unit of the 15th digit), so at most three precisions are tried. */
char *nb_json_fmt_double(double value, char *buf)
{
    if (!isfinite(value)) {
        strcpy(buf, "null");
        return buf;
    }
    /* Subnormals carry fewer digits: there the full scan finds the shortest. */
    int first = fabs(value) < DBL_MIN ? 1 : 15;
    for (int prec = first; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, value);
        if (strtod(buf, NULL) == value)
            break;
    }
    if (!strpbrk(buf, ".en"))
        strcat(buf, ".0");
    return buf;
}

void nb_json_put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*c < 0x20)
                fprintf(out, "\\u%04x", *c);
            else
                fputc(*c, out);
        }
    }
    fputc('"', out);
}
