/* nasbench generate: enumerate every unique module of the search space. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nasbench/db.h"
#include "nasbench/enumerate.h"
#include "nasbench/spec.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench generate [--max-vertices 7] [--max-edges 9]\n"
            "                         [--verify-isomorphism] [--threads N] [--db FILE]\n"
            "                         [--hash-every-graph]\n"
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
            "  --hash-every-graph    hash all labelled graphs like the original, instead of\n"
            "                        one per isomorphism class with the digest copied to\n"
            "                        its renumberings (same output, ~3x slower)\n"
            "  --db FILE             fill the modules table of this database (created if\n"
            "                        missing) instead of writing JSON lines: one\n"
            "                        transaction, a sources row of kind 'generate', the\n"
            "                        trainable parameters of each module; modules already\n"
            "                        stored are kept as they are\n"
            "  --help                this text\n"
            "\n"
            "Exit status: 0 ok, 2 usage, 7 false hash collision (with\n"
            "--verify-isomorphism), 8 I/O, 9 database, 10 out of memory.\n",
            NB_ENUM_MAX_VERTICES);
}

typedef struct gen_ctx {
    FILE *out;
    nb_db *db; /* set with --db */
    int64_t modules;
    int64_t repeats;    /* labelled graphs whose hash was already seen */
    int64_t collisions; /* of those, not isomorphic (verify only) */
} gen_ctx;

static int store_module(nb_db *db, const nb_spec *spec, const char *hash)
{
    char bits[NB_MAX_VERTICES * NB_MAX_VERTICES + 1], ops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    int64_t params;
    nb_spec_adjacency_bits(spec, bits, sizeof bits);
    nb_spec_ops_csv(spec, ops, sizeof ops);
    int rc = nb_spec_trainable_parameters(spec, &NB_NET_SHAPE_DEFAULT, &params);
    if (rc)
        return rc;
    return nb_db_add_module(db, hash, bits, ops, spec->num_vertices, nb_spec_num_edges(spec),
                            params, NULL);
}

static int on_module(void *ctx, const nb_spec *spec, const char *hash)
{
    gen_ctx *g = ctx;
    g->modules++;
    if (g->db)
        return store_module(g->db, spec, hash);
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
    g->repeats += s->labelled_graphs - s->new_unique;
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

static int collisions_status(const nb_enum_options *opt, const gen_ctx *g)
{
    if (opt->verify_isomorphism && !g->collisions)
        fprintf(stderr, "verified: all %lld labelled graphs with an already seen hash are "
                "isomorphic to its module\n", (long long)g->repeats);
    if (g->collisions)
        return cli_fail("generate", nb_seterr(NB_ECORRUPT, "%lld false hash collisions",
                                              (long long)g->collisions));
    return NB_OK;
}

/* --db: everything in one transaction; any failure rolls it all back. The
 * sources row is written last, when the module count is known. */
static int generate_into_db(const nb_enum_options *opt, const char *path, gen_ctx *g)
{
    nb_db *db;
    int rc = nb_db_open(path, NB_OPEN_CREATE, &db);
    if (rc)
        return cli_fail("generate", rc);
    g->db = db;
    nb_enum_callbacks cb = {on_module, on_vertex_count, on_collision, g};
    rc = nb_db_begin(db);
    if (!rc)
        rc = nb_enumerate(opt, &cb);
    if (!rc) {
        char config[160];
        snprintf(config, sizeof config,
                 "{\"max_vertices\": %d, \"max_edges\": %d, \"verify_isomorphism\": %s}",
                 opt->max_vertices, opt->max_edges, opt->verify_isomorphism ? "true" : "false");
        nb_source src = {"generate", NULL, NULL, g->modules, config};
        rc = nb_db_add_source(db, &src, NULL);
    }
    if (!rc)
        rc = nb_db_commit(db);
    if (rc) {
        nb_db_rollback(db);
        nb_db_close(db);
        return rc == NB_EUSAGE ? cli_usage("generate", "%s", nb_errmsg()) : cli_fail("generate", rc);
    }
    nb_db_close(db);
    return collisions_status(opt, g);
}

int cmd_generate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"max-vertices", required_argument, NULL, 'v'},
        {"max-edges", required_argument, NULL, 'e'},
        {"verify-isomorphism", no_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 't'},
        {"db", required_argument, NULL, 'd'},
        {"hash-every-graph", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    nb_enum_options opt;
    nb_enum_options_default(&opt);
    long long value;
    const char *db_path = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "v:e:t:d:iah", longopts, NULL)) != -1) {
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
        case 'd': db_path = optarg; break;
        case 'a': opt.hash_every_graph = 1; break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("generate", argv);
        }
    }
    if (optind < argc)
        return cli_usage("generate", "unexpected argument '%s'", argv[optind]);

    gen_ctx g = {stdout, NULL, 0, 0, 0};
    if (db_path)
        return generate_into_db(&opt, db_path, &g);
    static char buf[1 << 20];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    nb_enum_callbacks cb = {on_module, on_vertex_count, on_collision, &g};
    int rc = nb_enumerate(&opt, &cb);
    if (rc)
        return rc == NB_EUSAGE ? cli_usage("generate", "%s", nb_errmsg()) : cli_fail("generate", rc);
    if (fflush(stdout))
        return cli_fail("generate", nb_seterr(NB_EIO, "writing stdout failed"));
    return collisions_status(&opt, &g);
}
