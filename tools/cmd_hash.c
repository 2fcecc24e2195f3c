/* nasbench hash: prune, check and hash model specs (one, or JSON lines). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nasbench/spec.h"
#include "nb_json.h"
#include "nb_spec_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench hash --matrix MATRIX --ops OPS\n"
            "       nasbench hash --jsonl < specs.jsonl\n"
            "\n"
            "Prune a model spec exactly as NAS-Bench-101 does, check that it is in the\n"
            "search space and print its module hash with the pruned spec as one JSON line:\n"
            "  {\"valid\": true, \"hash\": \"<32 hex>\", \"matrix\": [[...]], \"ops\": [...]}\n"
            "\n"
            "  --matrix M  adjacency matrix as JSON ('[[0,1],[0,0]]') or the dataset's\n"
            "              row-major bit string ('0100')\n"
            "  --ops O     op names, comma-separated ('input,output') or a JSON array\n"
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

/* One input line: NB_OK with *p and hash filled, or an error code. */
static int resolve_line(nb_json_doc *doc, const char *line, size_t len, nb_spec *p, char *hash)
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
    return nb_spec_resolve(&spec, p, hash);
}

static int run_jsonl(void)
{
    nb_json_doc *doc = nb_json_doc_new();
    if (!doc)
        return cli_fail("hash", nb_seterr(NB_ENOMEM, "out of memory"));
    char *line = NULL;
    size_t cap = 0;
    long len;
    while ((len = cli_getline(&line, &cap, stdin)) >= 0) {
        nb_spec p;
        char hash[NB_HASH_HEX + 1];
        if (resolve_line(doc, line, (size_t)len, &p, hash))
            print_invalid(stdout, nb_errmsg());
        else
            print_valid(stdout, &p, hash);
    }
    free(line);
    nb_json_doc_free(doc);
    if (ferror(stdin))
        return cli_fail("hash", nb_seterr(NB_EIO, "reading stdin failed"));
    if (fflush(stdout))
        return cli_fail("hash", nb_seterr(NB_EIO, "writing stdout failed"));
    return NB_OK;
}

int cmd_hash(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"matrix", required_argument, NULL, 'm'},
        {"ops", required_argument, NULL, 'o'},
        {"jsonl", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *matrix = NULL, *ops = NULL;
    int jsonl = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "m:o:jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': matrix = optarg; break;
        case 'o': ops = optarg; break;
        case 'j': jsonl = 1; break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_usage("hash", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage("hash", "unexpected argument '%s'", argv[optind]);
    if (jsonl) {
        if (matrix || ops)
            return cli_usage("hash", "--jsonl reads specs from stdin; drop --matrix/--ops");
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
    print_valid(stdout, &p, hash);
    return fflush(stdout) ? cli_fail("hash", nb_seterr(NB_EIO, "writing stdout failed")) : NB_OK;
}
