/* nasbench hash: prune, check and hash model specs (one, or JSON lines). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nasbench/spec.h"
#include "nb_hash.h"
#include "nb_hash_util.h"
#include "nb_json.h"
#include "nb_spec_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench hash --matrix MATRIX --ops OPS [--trace]\n"
            "       nasbench hash --jsonl < specs.jsonl\n"
            "\n"
            "Prune a model spec exactly as NAS-Bench-101 does, check that it is in the\n"
            "search space and print its module hash with the pruned spec as one JSON line:\n"
            "  {\"valid\": true, \"hash\": \"<32 hex>\", \"matrix\": [[...]], \"ops\": [...]}\n"
            "\n"
            "  --matrix M  adjacency matrix as JSON ('[[0,1],[0,0]]') or the dataset's\n"
            "              row-major bit string ('0100')\n"
            "  --ops O     op names, comma-separated ('input,output') or a JSON array\n"
            "  --trace     with --matrix/--ops: also print, to stderr, every vertex's\n"
            "              value after each round of the hash and the final hashed text\n"
            "              (as in the traces of the NAS-Bench-101 reference, section 3)\n"
            "  --jsonl     read one JSON object per line from stdin, {\"matrix\": ...,\n"
            "              \"ops\": ...} (either form of each), and write one line per input\n"
            "              line, in order: the object above, or {\"valid\": false,\n"
            "              \"error\": \"<why>\"}. A bad line never stops the batch.\n"
            "  --help      this text\n"
            "\n"
            "\"valid\" means the spec names a module of the search space: it is well formed\n"
            "(square, 0/1, strictly upper triangular, one op per vertex), input still\n"
            "reaches output after pruning, and the pruned spec has at most 7 vertices and\n"
            "9 edges, first op 'input', last op 'output' and every other op one of\n"
            "conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3. Specs larger than 7 vertices\n"
            "are fine when pruning brings them into the space. The error is the first\n"
            "failing rule, with the original's messages (e.g. \"too many edges, got 10\n"
            "(max edges = 9)\").\n"
            "\n"
            "Exit status: 0 ok (with --jsonl: all input read, whatever the verdicts),\n"
            "3 malformed input, 4 invalid spec, 5 not in the search space, 2 usage.\n");
}

static void print_valid(FILE *out, const nb_spec *p, const char *hash)
{
    char matrix[2048], ops[4096];
    nb_spec_matrix_pyjson(p, matrix, sizeof matrix);
    nb_spec_ops_pyjson(p, ops, sizeof ops);
    fprintf(out, "{\"valid\": true, \"hash\": \"%s\", \"matrix\": %s, \"ops\": %s}\n", hash, matrix,
            ops);
}

static void print_invalid(FILE *out, const char *error)
{
    fputs("{\"valid\": false, \"error\": ", out);
    nb_json_put_string(out, error);
    fputs("}\n", out);
}

/* One input line: NB_OK with the pruned, in-space spec in *p, or an error
 * code (the hash comes later, for a whole batch at once). */
static int check_line(nb_json_doc *doc, const char *line, size_t len, nb_spec *p)
{
    const nb_json *root;
    nb_spec spec;
    if (len == 0)
        return nb_seterr(NB_EINVAL, "empty line");
    int rc = nb_json_parse(doc, line, len, &root);
    if (rc)
        return rc;
    if (root->type != NB_JSON_OBJECT)
        return nb_seterr(NB_EINVAL, "line is not a JSON object");
    rc = nb_spec_from_json(&spec, nb_json_get(root, "matrix"), nb_json_get(root, "ops"));
    if (rc)
        return rc;
    return nb_spec_resolve(&spec, p, NULL);
}

/* Lines are checked one by one and hashed BATCH at a time with
 * nb_spec_hash_many (multi-buffer SIMD), then written in input order. */
#define BATCH 256

typedef struct batch {
    int count;
    nb_spec specs[BATCH];            /* the valid lines' pruned specs, packed */
    int valid[BATCH];                /* per line: index into specs, or -1 */
    char *error[BATCH];              /* per invalid line: its message (malloc'd) */
    char hashes[BATCH][NB_HASH_HEX + 1];
} batch;

static int flush_batch(batch *b)
{
    int num_specs = 0;
    for (int i = 0; i < b->count; i++)
        num_specs += b->valid[i] >= 0;
    int rc = nb_spec_hash_many(b->specs, (size_t)num_specs, b->hashes);
    for (int i = 0; i < b->count; i++) {
        if (b->valid[i] >= 0 && !rc)
            print_valid(stdout, &b->specs[b->valid[i]], b->hashes[b->valid[i]]);
        else
            print_invalid(stdout, b->valid[i] >= 0 ? nb_errmsg() : b->error[i]);
        free(b->error[i]);
        b->error[i] = NULL;
    }
    b->count = 0;
    return rc;
}

/* Line reader on fd 0 that knows when its buffer is empty: before it blocks
 * for more input, the pending batch is answered, so that a caller talking to
 * `hash --jsonl` line by line (a coprocess) gets each answer at once, while
 * piped files are still hashed BATCH lines at a time. */
typedef struct reader {
    char buf[1 << 16];
    size_t pos, end;
    int eof, error;
} reader;

static int fill(reader *r, batch *b)
{
    struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
    if (b->count && poll(&pfd, 1, 0) == 0) {
        flush_batch(b);
        fflush(stdout);
    }
    ssize_t n;
    do
        n = read(STDIN_FILENO, r->buf, sizeof r->buf);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        r->eof = 1;
        r->error = n < 0;
        return 0;
    }
    r->pos = 0;
    r->end = (size_t)n;
    return 1;
}

/* Next line without its newline (and a CR before it) into *line; -1 at end. */
static long read_line(reader *r, batch *b, char **line, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (r->pos == r->end && (r->eof || !fill(r, b)))
            break;
        char *start = r->buf + r->pos, *nl = memchr(start, '\n', r->end - r->pos);
        size_t take = nl ? (size_t)(nl - start) : r->end - r->pos;
        if (len + take + 1 > *cap) {
            size_t grown = 2 * (len + take + 1);
            char *p = realloc(*line, grown);
            if (!p)
                return -2;
            *line = p;
            *cap = grown;
        }
        memcpy(*line + len, start, take);
        len += take;
        r->pos += take + (nl != NULL);
        if (nl) {
            (*line)[len] = '\0';
            if (len && (*line)[len - 1] == '\r')
                (*line)[--len] = '\0';
            return (long)len;
        }
    }
    if (!len)
        return -1;
    (*line)[len] = '\0'; /* last line without a newline */
    return (long)len;
}

static int run_jsonl(void)
{
    nb_json_doc *doc = nb_json_doc_new();
    batch *b = calloc(1, sizeof *b);
    reader *r = calloc(1, sizeof *r);
    if (!doc || !b || !r) {
        nb_json_doc_free(doc);
        free(b);
        free(r);
        return cli_fail("hash", nb_seterr(NB_ENOMEM, "out of memory"));
    }
    char *line = NULL;
    size_t cap = 0;
    long len;
    int num_specs = 0, rc = NB_OK;
    while (!rc && (len = read_line(r, b, &line, &cap)) >= 0) {
        int i = b->count++;
        if (check_line(doc, line, (size_t)len, &b->specs[num_specs])) {
            b->valid[i] = -1;
            b->error[i] = strdup(nb_errmsg());
            if (!b->error[i])
                rc = nb_seterr(NB_ENOMEM, "out of memory");
        } else {
            b->valid[i] = num_specs++;
        }
        if (b->count == BATCH) {
            flush_batch(b);
            num_specs = 0;
        }
    }
    if (len == -2)
        rc = nb_seterr(NB_ENOMEM, "out of memory for a line");
    flush_batch(b);
    if (!rc && r->error)
        rc = nb_seterr(NB_EIO, "reading stdin failed");
    free(line);
    free(b);
    free(r);
    nb_json_doc_free(doc);
    if (rc)
        return cli_fail("hash", rc);
    if (fflush(stdout))
        return cli_fail("hash", nb_seterr(NB_EIO, "writing stdout failed"));
    return NB_OK;
}

/* --trace: the values of reference 3.1, round by round, on stderr. */
static void print_trace(const nb_spec *p)
{
    int n = p->num_vertices, labels[NB_MAX_VERTICES];
    uint16_t succ[NB_MAX_VERTICES];
    uint8_t h[NB_MAX_VERTICES][16];
    char hex[NB_HASH_HEX + 1], text[NB_HASH_MSG_MAX + 1];
    nb_hash_succ_masks(n, p->matrix, succ);
    for (int v = 0; v < n; v++)
        labels[v] = v == 0 ? NB_LABEL_INPUT : v == n - 1 ? NB_LABEL_OUTPUT : nb_op_label(p->ops[v]);
    for (int r = 0; r <= n; r++) {
        nb_hash_rounds(n, succ, labels, r, h);
        fprintf(stderr, r ? "after round %d:" : "initial:", r - 1);
        for (int v = 0; v < n; v++) {
            nb_md5_hex(h[v], hex);
            hex[NB_HASH_HEX] = '\0';
            fprintf(stderr, " %s", hex);
        }
        fputc('\n', stderr);
    }
    text[nb_hash_final_text(n, (const uint8_t(*)[16])h, text)] = '\0';
    fprintf(stderr, "final text: %s\n", text);
}

int cmd_hash(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"ops", required_argument, NULL, 'o'},
        {"jsonl", no_argument, NULL, 'j'},
        {"trace", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *matrix = NULL, *ops = NULL;
    int jsonl = 0, trace = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "m:o:jth", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': matrix = optarg; break;
        case 'o': ops = optarg; break;
        case 'j': jsonl = 1; break;
        case 't': trace = 1; break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("hash", argv);
        }
    }
    if (optind < argc)
        return cli_usage("hash", "unexpected argument '%s'", argv[optind]);
    if (jsonl) {
        if (matrix || ops || trace)
            return cli_usage("hash", "--jsonl reads specs from stdin; drop --matrix/--ops/--trace");
        return run_jsonl();
    }
    if (!matrix || !ops)
        return cli_usage("hash", "need --matrix and --ops, or --jsonl");
    nb_spec spec, p;
    char hash[NB_HASH_HEX + 1];
    int rc = nb_spec_parse(&spec, matrix, ops);
    if (!rc)
        rc = nb_spec_resolve(&spec, &p, hash);
    if (rc)
        return cli_fail("hash", rc);
    if (trace)
        print_trace(&p);
    print_valid(stdout, &p, hash);
    return fflush(stdout) ? cli_fail("hash", nb_seterr(NB_EIO, "writing stdout failed")) : NB_OK;
}
