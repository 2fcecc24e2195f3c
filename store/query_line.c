/* The lines of a --jsonl batch (see nb_query_line.h). */
#include "nb_query_line.h"

#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_query_internal.h"
#include "nb_spec_json.h"

static int parse(nb_json_doc *doc, const char *text, size_t len, nb_query_line *line)
{
    const nb_json *root;
    if (len == 0)
        return nb_seterr(NB_EINVAL, "empty line");
    int rc = nb_json_parse(doc, text, len, &root);
    if (rc)
        return rc;
    if (root->type != NB_JSON_OBJECT)
        return nb_seterr(NB_EINVAL, "line is not a JSON object");
    const nb_json *hash = nb_json_get(root, "hash");
    if (hash) {
        if (hash->type != NB_JSON_STRING)
            return nb_seterr(NB_EINVAL, "\"hash\" is not a string");
        rc = nb_check_hash_text(hash->string);
        if (rc)
            return rc;
        line->is_hash = 1;
        memcpy(line->hash, hash->string, NB_HASH_HEX + 1);
        return NB_OK;
    }
    const nb_json *matrix = nb_json_get(root, "matrix"), *ops = nb_json_get(root, "ops");
    if (!matrix || !ops)
        return nb_seterr(NB_EINVAL, "a line needs \"hash\", or \"matrix\" and \"ops\"");
    line->is_hash = 0;
    return nb_spec_from_json(&line->spec, matrix, ops);
}

static void fail(nb_query_line *line, int rc)
{
    line->rc = rc;
    snprintf(line->error, sizeof line->error, "%s", nb_errmsg());
}

int nb_query_line_parse(nb_json_doc *doc, const char *text, size_t len, nb_query_line *line)
{
    line->rc = NB_OK;
    line->error[0] = '\0';
    int rc = parse(doc, text, len, line);
    if (rc)
        fail(line, rc);
    return rc;
}

void nb_query_lines_resolve(nb_query_line *lines, size_t n)
{
    nb_spec pruned[NB_QUERY_LINE_BLOCK];
    char hashes[NB_QUERY_LINE_BLOCK][NB_HASH_HEX + 1];
    size_t at[NB_QUERY_LINE_BLOCK];
    for (size_t start = 0; start < n; start += NB_QUERY_LINE_BLOCK) {
        size_t end = n - start > NB_QUERY_LINE_BLOCK ? start + NB_QUERY_LINE_BLOCK : n, k = 0;
        for (size_t i = start; i < end; i++) {
            nb_query_line *l = &lines[i];
            if (l->rc || l->is_hash)
                continue;
            int rc = nb_spec_resolve(&l->spec, &pruned[k], NULL);
            if (rc)
                fail(l, rc);
            else
                at[k++] = i;
        }
        /* Checked specs always hash; should the batch refuse one anyway,
         * hash one by one so each line gets its own verdict. */
        int batch_ok = k > 0 && nb_spec_hash_many(pruned, k, hashes) == NB_OK;
        for (size_t j = 0; j < k; j++) {
            nb_query_line *l = &lines[at[j]];
            int rc = batch_ok ? NB_OK : nb_spec_hash(&pruned[j], hashes[j]);
            if (rc) {
                fail(l, rc);
                continue;
            }
            memcpy(l->hash, hashes[j], NB_HASH_HEX + 1);
            l->is_hash = 1;
        }
    }
}

void nb_query_line_write_error(FILE *out, int code, const char *message, long line_number)
{
    fputs("{\"error\": ", out);
    nb_json_put_string(out, message);
    fprintf(out, ", \"code\": %d, \"line\": %ld}\n", code, line_number);
}

int nb_query_lines_run(FILE *in, FILE *out, int resolve, nb_query_answer_fn answer, void *ctx)
{
    nb_json_doc *doc = nb_json_doc_new();
    nb_query_line *lines = malloc(NB_QUERY_LINE_BLOCK * sizeof *lines);
    if (!doc || !lines) {
        nb_json_doc_free(doc);
        free(lines);
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    char *buf = NULL;
    size_t cap = 0;
    long number = 0;
    int first_error = NB_OK, eof = 0;
    while (!eof) {
        size_t n = 0;
        while (n < NB_QUERY_LINE_BLOCK) {
            ssize_t len = getline(&buf, &cap, in);
            if (len < 0) {
                eof = 1;
                break;
            }
            while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
            nb_query_line_parse(doc, buf, (size_t)len, &lines[n++]);
        }
        if (resolve)
            nb_query_lines_resolve(lines, n);
        for (size_t i = 0; i < n; i++) {
            nb_query_line *l = &lines[i];
            number++;
            if (!l->rc && (l->rc = answer(ctx, l, out)) != NB_OK)
                snprintf(l->error, sizeof l->error, "%s", nb_errmsg());
            if (l->rc) {
                nb_query_line_write_error(out, l->rc, l->error, number);
                if (!first_error)
                    first_error = l->rc;
            }
        }
    }
    int rc = ferror(in) ? nb_seterr(NB_EIO, "reading the input: read error") : first_error;
    free(buf);
    free(lines);
    nb_json_doc_free(doc);
    return rc;
}

int nb_query_line_from_args(nb_query_line *line, const char *hash, const char *matrix,
                            const char *ops)
{
    memset(line, 0, sizeof *line);
    if (!hash)
        return nb_spec_parse(&line->spec, matrix, ops);
    if (strlen(hash) != NB_HASH_HEX)
        return nb_seterr(NB_EINVAL, "not a module hash: '%s'", hash);
    line->is_hash = 1;
    memcpy(line->hash, hash, NB_HASH_HEX + 1);
    return NB_OK;
}
