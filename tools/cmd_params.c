/* nasbench params: trainable parameters of the network of a module, counted
 * by building the network (train/) and cross-checked against the formula. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "nasbench/spec.h"
#include "nb_json.h"
#include "nb_net.h"
#include "nb_spec_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench params --matrix MATRIX --ops OPS [SHAPE OPTIONS]\n"
            "       nasbench params --jsonl [SHAPE OPTIONS] < specs.jsonl\n"
            "\n"
            "Build the NAS-Bench-101 network of a module (without activations) and print\n"
            "the number of its trainable parameters as one JSON line:\n"
            "  {\"valid\": true, \"hash\": \"<32 hex>\", \"trainable_parameters\": N}\n"
            "With the default shape N equals the dataset's trainable_parameters.\n"
            "\n"
            "  --matrix M   adjacency matrix as JSON or the dataset's bit string\n"
            "  --ops O      op names, comma-separated or a JSON array\n"
            "  --jsonl      read {\"matrix\": ..., \"ops\": ...} lines from stdin and write one\n"
            "               line per input line: the object above or {\"valid\": false,\n"
            "               \"error\": \"<why>\"}; a bad line never stops the batch\n"
            "  --stem C     stem channels (default 128)\n"
            "  --stacks S   stacks (default 3)\n"
            "  --modules M  modules per stack (default 3)\n"
            "  --help       this text\n"
            "\n"
            "The spec is pruned and checked as by 'nasbench hash'. Exit status: 0 ok (with\n"
            "--jsonl: all input read), 3 malformed input, 4 invalid spec, 5 not in the\n"
            "search space, 2 usage, 1 if the built network and the formula disagree.\n");
}

/* Count by building; the closed formula of the spec core must agree. */
static int count(const nb_spec *spec, const nb_net_shape *shape, char *hash, int64_t *params)
{
    nb_spec p;
    int64_t formula;
    int rc = nb_spec_resolve(spec, &p, hash);
    if (rc || (rc = nb_net_count_params(&p, shape, params)) ||
        (rc = nb_spec_trainable_parameters(&p, shape, &formula)))
        return rc;
    if (formula != *params)
        return nb_seterr(NB_ERROR, "built network has %" PRId64 " parameters, formula %" PRId64,
                         *params, formula);
    return NB_OK;
}

static void print_ok(const char *hash, int64_t params)
{
    printf("{\"valid\": true, \"hash\": \"%s\", \"trainable_parameters\": %" PRId64 "}\n", hash,
           params);
}

static int line_params(nb_json_doc *doc, const char *line, long len, const nb_net_shape *shape,
                       char *hash, int64_t *params)
{
    const nb_json *root;
    nb_spec spec;
    if (len == 0)
        return nb_seterr(NB_EINVAL, "empty line");
    int rc = nb_json_parse(doc, line, (size_t)len, &root);
    if (rc)
        return rc;
    if (root->type != NB_JSON_OBJECT)
        return nb_seterr(NB_EINVAL, "line is not a JSON object");
    rc = nb_spec_from_json(&spec, nb_json_get(root, "matrix"), nb_json_get(root, "ops"));
    return rc ? rc : count(&spec, shape, hash, params);
}

static int run_jsonl(const nb_net_shape *shape)
{
    nb_json_doc *doc = nb_json_doc_new();
    if (!doc)
        return cli_fail("params", nb_seterr(NB_ENOMEM, "out of memory"));
    char *line = NULL, hash[NB_HASH_HEX + 1];
    size_t cap = 0;
    long len;
    while ((len = cli_getline(&line, &cap, stdin)) >= 0) {
        int64_t params;
        if (line_params(doc, line, len, shape, hash, &params)) {
            fputs("{\"valid\": false, \"error\": ", stdout);
            nb_json_put_string(stdout, nb_errmsg());
            fputs("}\n", stdout);
        } else {
            print_ok(hash, params);
        }
    }
    free(line);
    nb_json_doc_free(doc);
    if (ferror(stdin))
        return cli_fail("params", nb_seterr(NB_EIO, "reading stdin failed"));
    return fflush(stdout) ? cli_fail("params", nb_seterr(NB_EIO, "writing stdout failed")) : NB_OK;
}

static int shape_option(const char *opt, const char *text, int *field)
{
    long long v;
    int rc = cli_parse_int("params", opt, text, &v);
    if (rc)
        return rc;
    if (v < 1 || v > 65536)
        return cli_usage("params", "%s must be 1 .. 65536", opt);
    *field = (int)v;
    return NB_OK;
}

int cmd_params(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"matrix", required_argument, NULL, 'm'}, {"ops", required_argument, NULL, 'o'},
        {"jsonl", no_argument, NULL, 'j'},         {"stem", required_argument, NULL, 's'},
        {"stacks", required_argument, NULL, 'S'},  {"modules", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *matrix = NULL, *ops = NULL;
    nb_net_shape shape = NB_NET_SHAPE_DEFAULT;
    int jsonl = 0, c, rc = NB_OK;
    optind = 0;
    while ((c = getopt_long(argc, argv, "m:o:jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': matrix = optarg; break;
        case 'o': ops = optarg; break;
        case 'j': jsonl = 1; break;
        case 's': rc = shape_option("--stem", optarg, &shape.stem_channels); break;
        case 'S': rc = shape_option("--stacks", optarg, &shape.num_stacks); break;
        case 'M': rc = shape_option("--modules", optarg, &shape.modules_per_stack); break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("params", argv);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage("params", "unexpected argument '%s'", argv[optind]);
    if (jsonl) {
        if (matrix || ops)
            return cli_usage("params", "--jsonl reads specs from stdin; drop --matrix/--ops");
        return run_jsonl(&shape);
    }
    if (!matrix || !ops)
        return cli_usage("params", "need --matrix and --ops, or --jsonl");
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
    int64_t params;
    if ((rc = nb_spec_parse(&spec, matrix, ops)) || (rc = count(&spec, &shape, hash, &params)))
        return cli_fail("params", rc);
    print_ok(hash, params);
    return fflush(stdout) ? cli_fail("params", nb_seterr(NB_EIO, "writing stdout failed")) : NB_OK;
}
