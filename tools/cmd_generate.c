/* nasbench generate: enumerate every unique module of the search space. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nasbench/enumerate.h"
#include "nasbench/spec.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench generate [--max-vertices 7] [--max-edges 9]\n"
            "                         [--verify-isomorphism] [--threads N]\n"
            "\n"
            "Enumerate every unique module (NAS-Bench-101 section 5): all full DAGs of\n"
            "2..V vertices and at most E edges, in the original generator's order, with\n"
            "every labelling of the interior vertices; the first labelled graph of each\n"
            "hash is the module's canonical form. Writes one JSON line per module to\n"
            "stdout:\n"
            "  {\"hash\": \"<32 hex>\", \"matrix\": [[...]], \"ops\": [...]}\n"
            "and a table of graphs and new / cumulative unique modules per vertex count to\n"
            "stderr. The defaults give the 423,624 modules of the dataset.\n"
            "\n"
            "  --max-vertices V      largest vertex count, 2..%d (default 7)\n"
            "  --max-edges E         largest edge count (default 9)\n"
            "  --verify-isomorphism  check every hash collision with an exact isomorphism\n"
            "                        test; a false collision is reported on stderr and\n"
            "                        makes the exit status 7\n"
            "  --threads N           hashing threads (default: one per CPU)\n"
            "  --help                this text\n",
            NB_ENUM_MAX_VERTICES);
}

typedef struct gen_ctx {
    FILE *out;
    int64_t collisions;
} gen_ctx;

static int on_module(void *ctx, const nb_spec *spec, const char *hash)
{
    gen_ctx *g = ctx;
    char matrix[1024], ops[512];
    nb_spec_matrix_pyjson(spec, matrix, sizeof matrix);
    nb_spec_ops_pyjson(spec, ops, sizeof ops);
    if (fprintf(g->out, "{\"hash\": \"%s\", \"matrix\": %s, \"ops\": %s}\n", hash, matrix, ops) < 0)
        return nb_seterr(NB_EIO, "writing stdout failed");
    return NB_OK;
}

static int on_vertex_count(void *ctx, const nb_enum_vertex_stats *s)
{
    gen_ctx *g = ctx;
    (void)g;
    if (s->num_vertices == 2)
        fprintf(stderr, "%8s %10s %15s %11s %11s\n", "vertices", "graphs", "labelled_graphs",
                "new_unique", "cumulative");
    fprintf(stderr, "%8d %10lld %15lld %11lld %11lld\n", s->num_vertices, (long long)s->graphs,
            (long long)s->labelled_graphs, (long long)s->new_unique,
            (long long)s->cumulative_unique);
    return NB_OK;
}

static int on_collision(void *ctx, const nb_spec *spec, const nb_spec *canonical, const char *hash)
{
    gen_ctx *g = ctx;
    char a[1024], b[1024], oa[512], ob[512];
    nb_spec_matrix_json(spec, a, sizeof a);
    nb_spec_ops_json(spec, oa, sizeof oa);
    nb_spec_matrix_json(canonical, b, sizeof b);
    nb_spec_ops_json(canonical, ob, sizeof ob);
    fprintf(stderr, "nasbench generate: false collision on %s: %s %s is not isomorphic to %s %s\n",
            hash, a, oa, b, ob);
    g->collisions++;
    return NB_OK;
}

int cmd_generate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"max-vertices", required_argument, NULL, 'v'},
        {"max-edges", required_argument, NULL, 'e'},
        {"verify-isomorphism", no_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    nb_enum_options opt;
    nb_enum_options_default(&opt);
    long long value;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "v:e:t:ih", longopts, NULL)) != -1) {
        switch (c) {
        case 'v':
        case 'e':
        case 't':
            if (cli_parse_int("generate", c == 'v' ? "--max-vertices" : c == 'e' ? "--max-edges"
                                                   : "--threads", optarg, &value))
                return NB_EUSAGE;
            if (value < 0 || value > 1000)
                return cli_usage("generate", "value %lld out of range", value);
            *(c == 'v' ? &opt.max_vertices : c == 'e' ? &opt.max_edges : &opt.threads) = (int)value;
            break;
        case 'i': opt.verify_isomorphism = 1; break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_usage("generate", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage("generate", "unexpected argument '%s'", argv[optind]);

    gen_ctx g = {stdout, 0};
    static char buf[1 << 20];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    nb_enum_callbacks cb = {on_module, on_vertex_count, on_collision, &g};
    int rc = nb_enumerate(&opt, &cb);
    if (rc)
        return rc == NB_EUSAGE ? cli_usage("generate", "%s", nb_errmsg()) : cli_fail("generate", rc);
    if (fflush(stdout))
        return cli_fail("generate", nb_seterr(NB_EIO, "writing stdout failed"));
    if (g.collisions)
        return cli_fail("generate", nb_seterr(NB_ECORRUPT, "%lld false hash collisions",
                                              (long long)g.collisions));
    return NB_OK;
}
