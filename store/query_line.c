/* One line of a --jsonl batch (see nb_query_line.h). */
#include "nb_query_line.h"

#include <string.h>

#include "nasbench/error.h"
#include "nb_query_internal.h"
#include "nb_spec_json.h"

int nb_query_line_parse(nb_json_doc *doc, const char *text, size_t len, nb_query_line *line)
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

void nb_query_line_write_error(FILE *out, int code, const char *message, long line_number)
{
    fputs("{\"error\": ", out);
    nb_json_put_string(out, message);
    fprintf(out, ", \"code\": %d, \"line\": %ld}\n", code, line_number);
}
