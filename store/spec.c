/* Model specs: parsing (JSON matrix or bit string, op list as CSV or JSON),
 * the structural checks of reference section 2.1, op labels and formatting. */
#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_json.h"
#include "nb_spec_json.h"

#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};

int nb_op_label(const char *op)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(op, op_names[i]))
            return i;
    if (!strcmp(op, "input"))
        return NB_LABEL_INPUT;
    if (!strcmp(op, "output"))
        return NB_LABEL_OUTPUT;
    return NB_LABEL_UNKNOWN;
}

const char *nb_op_name(int label)
{
    switch (label) {
    case NB_LABEL_CONV3X3:
    case NB_LABEL_CONV1X1:
    case NB_LABEL_MAXPOOL3X3: return op_names[label];
    case NB_LABEL_INPUT: return "input";
    case NB_LABEL_OUTPUT: return "output";
    default: return NULL;
    }
}

int nb_spec_num_edges(const nb_spec *spec)
{
    int edges = 0;
    for (int i = 0; i < spec->num_vertices; i++)
        for (int j = 0; j < spec->num_vertices; j++)
            edges += spec->matrix[i][j] != 0;
    return edges;
}

/* ---- parsing ------------------------------------------------------------ */

/* What the readers collect before the common structural checks. */
typedef struct raw_spec {
    int rows;                   /* matrix rows read */
    int square;                 /* every row has `rows` entries */
    int num_ops;
    nb_spec spec;               /* matrix and ops filled as read */
} raw_spec;

static int too_big(int n)
{
    return nb_seterr(NB_ESPEC, "matrix has %d vertices, more than %d (the largest spec accepted "
                     "before pruning)", n, NB_MAX_VERTICES);
}

static int set_op(raw_spec *raw, const char *name, size_t len)
{
    if (raw->num_ops >= NB_MAX_VERTICES)
        return nb_seterr(NB_ESPEC, "more than %d ops", NB_MAX_VERTICES);
    if (len == 0)
        return nb_seterr(NB_EINVAL, "ops: empty op name at position %d", raw->num_ops);
    if (len >= NB_OP_NAME_MAX)
        return nb_seterr(NB_EINVAL, "ops: op name at position %d is longer than %d bytes",
                         raw->num_ops, NB_OP_NAME_MAX - 1);
    if (memchr(name, '\0', len))
        return nb_seterr(NB_EINVAL, "ops: op name at position %d contains a NUL byte",
                         raw->num_ops);
    memcpy(raw->spec.ops[raw->num_ops], name, len);
    raw->spec.ops[raw->num_ops][len] = '\0';
    raw->num_ops++;
    return NB_OK;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* "input, conv3x3-bn-relu,output": names separated by commas, blanks around
 * names ignored. */
static int read_ops_csv(raw_spec *raw, const char *text, size_t len)
{
    size_t start = 0;
    while (len && is_space(text[len - 1]))
        len--;
    if (len == 0)
        return NB_OK; /* no ops at all */
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != ',')
            continue;
        size_t a = start, b = i;
        while (a < b && is_space(text[a]))
            a++;
        while (b > a && is_space(text[b - 1]))
            b--;
        int rc = set_op(raw, text + a, b - a);
        if (rc)
            return rc;
        start = i + 1;
    }
    return NB_OK;
}

static int read_ops_json(raw_spec *raw, const nb_json *ops)
{
    if (ops->type == NB_JSON_STRING)
        return read_ops_csv(raw, ops->string, ops->len);
    if (ops->type != NB_JSON_ARRAY)
        return nb_seterr(NB_EINVAL, "ops must be a JSON array of strings or a comma-separated "
                         "string");
    for (size_t i = 0; i < ops->len; i++) {
        const nb_json *op = &ops->items[i];
        if (op->type != NB_JSON_STRING)
            return nb_seterr(NB_EINVAL, "ops: item %zu is not a string", i);
        int rc = set_op(raw, op->string, op->len);
        if (rc)
            return rc;
    }
    return NB_OK;
}

/* Row-major 0/1 string of n*n characters. */
static int read_matrix_bits(raw_spec *raw, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != '0' && text[i] != '1')
            return nb_seterr(NB_EINVAL, "matrix bit string: unexpected character at byte %zu "
                             "(only 0 and 1 allowed)", i);
    int n = 0;
    while ((size_t)(n + 1) * (size_t)(n + 1) <= len && n <= NB_MAX_VERTICES)
        n++;
    if (len == 0 || (size_t)n * (size_t)n != len)
        return nb_seterr(NB_ESPEC, "matrix must be square (bit string of %zu characters is not "
                         "n*n)", len);
    if (n > NB_MAX_VERTICES)
        return too_big(n);
    raw->rows = n;
    raw->square = 1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            raw->spec.matrix[i][j] = (uint8_t)(text[i * n + j] - '0');
    return NB_OK;
}

static int read_matrix_json(raw_spec *raw, const nb_json *m)
{
    if (m->type == NB_JSON_STRING)
        return read_matrix_bits(raw, m->string, m->len);
    if (m->type != NB_JSON_ARRAY)
        return nb_seterr(NB_EINVAL, "matrix must be a JSON array of rows or a bit string");
    if (m->len > NB_MAX_VERTICES)
        return too_big((int)m->len);
    raw->rows = (int)m->len;
    raw->square = m->len > 0;
    for (size_t i = 0; i < m->len; i++) {
        const nb_json *row = &m->items[i];
        if (row->type != NB_JSON_ARRAY)
            return nb_seterr(NB_EINVAL, "matrix row %zu is not a JSON array", i);
        if (row->len != m->len) {
            raw->square = 0;
            continue;
        }
        for (size_t j = 0; j < row->len; j++) {
            const nb_json *x = &row->items[j];
            if (x->type != NB_JSON_NUMBER || !x->is_integer || (x->integer != 0 && x->integer != 1))
                return nb_seterr(NB_ESPEC, "matrix entry [%zu][%zu] must be 0 or 1", i, j);
            raw->spec.matrix[i][j] = (uint8_t)x->integer;
        }
    }
    return NB_OK;
}

/* The structural checks of reference 2.1, in the original's order. */
static int finish(raw_spec *raw, nb_spec *spec)
{
    if (!raw->square)
        return nb_seterr(NB_ESPEC, "matrix must be square");
    if (raw->num_ops != raw->rows)
        return nb_seterr(NB_ESPEC, "length of ops must match matrix dimensions (%d ops, %d "
                         "vertices)", raw->num_ops, raw->rows);
    for (int i = 0; i < raw->rows; i++)
        for (int j = 0; j <= i; j++)
            if (raw->spec.matrix[i][j])
                return nb_seterr(NB_ESPEC, "matrix must be upper triangular (entry [%d][%d] is "
                                 "1)", i, j);
    raw->spec.num_vertices = raw->rows;
    *spec = raw->spec;
    return NB_OK;
}

static void raw_init(raw_spec *raw)
{
    memset(raw, 0, sizeof *raw);
}

int nb_spec_from_json(nb_spec *spec, const nb_json *matrix, const nb_json *ops)
{
    raw_spec raw;
    raw_init(&raw);
    if (!matrix)
        return nb_seterr(NB_EINVAL, "missing matrix");
    if (!ops)
        return nb_seterr(NB_EINVAL, "missing ops");
    int rc = read_matrix_json(&raw, matrix);
    if (!rc)
        rc = read_ops_json(&raw, ops);
    return rc ? rc : finish(&raw, spec);
}

static const char *skip_blank(const char *s)
{
    while (is_space(*s))
        s++;
    return s;
}

static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        n--;
    return n;
}

/* JSON text, or a bare bit string / CSV: the first character decides. */
static int read_text(raw_spec *raw, nb_json_doc *doc, const char *text, int is_matrix)
{
    const char *s = skip_blank(text);
    size_t len = trimmed_len(s);
    const char *what = is_matrix ? "matrix" : "ops";
    if (*s == '[' || *s == '"' || *s == '{') {
        const nb_json *root;
        int rc = nb_json_parse(doc, s, len, &root);
        if (rc)
            return nb_preferr(rc, "%s", what);
        return is_matrix ? read_matrix_json(raw, root) : read_ops_json(raw, root);
    }
    return is_matrix ? read_matrix_bits(raw, s, len) : read_ops_csv(raw, s, len);
}

int nb_spec_parse(nb_spec *spec, const char *matrix, const char *ops)
{
    if (!matrix || !ops)
        return nb_seterr(NB_EUSAGE, "nb_spec_parse: matrix and ops are required");
    nb_json_doc *doc = nb_json_doc_new();
    if (!doc)
        return nb_seterr(NB_ENOMEM, "out of memory");
    raw_spec raw;
    raw_init(&raw);
    int rc = read_text(&raw, doc, matrix, 1);
    if (!rc)
        rc = read_text(&raw, doc, ops, 0);
    nb_json_doc_free(doc);
    return rc ? rc : finish(&raw, spec);
}

int nb_spec_from_labels(nb_spec *spec, int num_vertices, const uint8_t matrix[][NB_MAX_VERTICES],
                        const int *labels)
{
    if (num_vertices < 1 || num_vertices > NB_MAX_VERTICES)
        return nb_seterr(NB_ESPEC, "number of vertices %d outside 1..%d", num_vertices,
                         NB_MAX_VERTICES);
    raw_spec raw;
    raw_init(&raw);
    raw.rows = num_vertices;
    raw.square = 1;
    for (int i = 0; i < num_vertices; i++) {
        const char *name = nb_op_name(labels[i]);
        if (!name)
            return nb_seterr(NB_ESPEC, "unknown label %d at vertex %d", labels[i], i);
        strcpy(raw.spec.ops[i], name);
        for (int j = 0; j < num_vertices; j++) {
            if (matrix[i][j] > 1)
                return nb_seterr(NB_ESPEC, "matrix entry [%d][%d] must be 0 or 1", i, j);
            raw.spec.matrix[i][j] = matrix[i][j];
        }
    }
    raw.num_ops = num_vertices;
    return finish(&raw, spec);
}

/* ---- formatting --------------------------------------------------------- */

/* snprintf-like appender: counts everything, writes what fits. */
typedef struct sink {
    char *out;
    size_t cap;
    size_t len;
} sink;

static void put(sink *s, const char *text, size_t n)
{
    if (s->len < s->cap) {
        size_t room = s->cap - 1 - s->len;
        memcpy(s->out + s->len, text, n < room ? n : room);
    }
    s->len += n;
}

static void putc_(sink *s, char c)
{
    put(s, &c, 1);
}

static size_t done(sink *s)
{
    if (s->cap)
        s->out[s->len < s->cap ? s->len : s->cap - 1] = '\0';
    return s->len;
}

size_t nb_spec_adjacency_bits(const nb_spec *spec, char *out, size_t cap)
{
    sink s = {out, cap, 0};
    for (int i = 0; i < spec->num_vertices; i++)
        for (int j = 0; j < spec->num_vertices; j++)
            putc_(&s, spec->matrix[i][j] ? '1' : '0');
    return done(&s);
}

size_t nb_spec_ops_csv(const nb_spec *spec, char *out, size_t cap)
{
    sink s = {out, cap, 0};
    for (int i = 0; i < spec->num_vertices; i++) {
        if (i)
            putc_(&s, ',');
        put(&s, spec->ops[i], strlen(spec->ops[i]));
    }
    return done(&s);
}

static size_t matrix_json(const nb_spec *spec, char *out, size_t cap, const char *sep)
{
    sink s = {out, cap, 0};
    size_t sl = strlen(sep);
    putc_(&s, '[');
    for (int i = 0; i < spec->num_vertices; i++) {
        if (i)
            put(&s, sep, sl);
        putc_(&s, '[');
        for (int j = 0; j < spec->num_vertices; j++) {
            if (j)
                put(&s, sep, sl);
            putc_(&s, spec->matrix[i][j] ? '1' : '0');
        }
        putc_(&s, ']');
    }
    putc_(&s, ']');
    return done(&s);
}

size_t nb_spec_matrix_json(const nb_spec *spec, char *out, size_t cap)
{
    return matrix_json(spec, out, cap, ",");
}

size_t nb_spec_matrix_pyjson(const nb_spec *spec, char *out, size_t cap)
{
    return matrix_json(spec, out, cap, ", ");
}

/* Op names are written with JSON escapes for '"', '\\' and control bytes, so
 * that any parsed name round-trips. */
static size_t ops_json(const nb_spec *spec, char *out, size_t cap, const char *sep)
{
    static const char hex[] = "0123456789abcdef";
    sink s = {out, cap, 0};
    size_t sl = strlen(sep);
    putc_(&s, '[');
    for (int i = 0; i < spec->num_vertices; i++) {
        if (i)
            put(&s, sep, sl);
        putc_(&s, '"');
        for (const unsigned char *p = (const unsigned char *)spec->ops[i]; *p; p++) {
            if (*p == '"' || *p == '\\') {
                putc_(&s, '\\');
                putc_(&s, (char)*p);
            } else if (*p < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
                put(&s, esc, 6);
            } else {
                putc_(&s, (char)*p);
            }
        }
        putc_(&s, '"');
    }
    putc_(&s, ']');
    return done(&s);
}

size_t nb_spec_ops_json(const nb_spec *spec, char *out, size_t cap)
{
    return ops_json(spec, out, cap, ",");
}

size_t nb_spec_ops_pyjson(const nb_spec *spec, char *out, size_t cap)
{
    return ops_json(spec, out, cap, ", ");
}
