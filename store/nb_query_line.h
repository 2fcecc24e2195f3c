/*
 * Internal: one line of a --jsonl batch for query and stats, and the error
 * object written for a bad line. Shared by the command line and the
 * benchmark, so the batch path they measure is the one users run.
 */
#ifndef NB_QUERY_LINE_H
#define NB_QUERY_LINE_H

#include <stdio.h>

#include "nasbench/spec.h"
#include "nb_json.h"

/* What a line names: a spec ({"matrix": ..., "ops": ...}, matrix as JSON or
 * bit string, ops as JSON array or CSV) or a module ({"hash": "..."}). */
typedef struct nb_query_line {
    int is_hash;
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
} nb_query_line;

/* Parse one line (len bytes, no newline). NB_EINVAL / NB_ESPEC with a
 * message for a bad line. */
int nb_query_line_parse(nb_json_doc *doc, const char *text, size_t len, nb_query_line *line);

/* {"error": "<message>", "code": N, "line": L} and a newline. */
void nb_query_line_write_error(FILE *out, int code, const char *message, long line_number);

#endif
