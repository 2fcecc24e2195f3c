/*
 * Internal: the lines of a --jsonl batch for query and stats, resolved in
 * blocks so that their hashes are computed together (nb_spec_hash_many), and
 * the error object written for a bad line. Shared by the command line and
 * the benchmark, so the batch path they measure is the one users run.
 */
#ifndef NB_QUERY_LINE_H
#define NB_QUERY_LINE_H

#include <stdio.h>

#include "nasbench/spec.h"
#include "nb_json.h"

#define NB_QUERY_LINE_ERROR 256
#define NB_QUERY_LINE_BLOCK 256 /* lines resolved together */

/* What a line names: a spec ({"matrix": ..., "ops": ...}, matrix as JSON or
 * bit string, ops as JSON array or CSV) or a module ({"hash": "..."}). After
 * nb_query_lines_resolve every good line names its module by hash. */
typedef struct nb_query_line {
    int rc;                          /* NB_OK, or why the line failed */
    char error[NB_QUERY_LINE_ERROR]; /* the message when rc != NB_OK */
    int is_hash;
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
} nb_query_line;

/* Parse one line (len bytes, no newline). NB_EINVAL / NB_ESPEC with a
 * message for a bad line; the code and message are also kept in the line. */
int nb_query_line_parse(nb_json_doc *doc, const char *text, size_t len, nb_query_line *line);

/* The line that command-line options name: a module hash (`hash` not NULL)
 * or a spec (`matrix` and `ops`). NB_EINVAL for a string that is not a
 * 32-character hash, the parse error of nb_spec_parse otherwise. */
int nb_query_line_from_args(nb_query_line *line, const char *hash, const char *matrix,
                            const char *ops);

/* Prune, check and hash every good spec line of lines[0..n), as
 * nb_spec_resolve would one by one (same codes and messages), hashing the
 * valid ones together. Hash lines are left as they are. */
void nb_query_lines_resolve(nb_query_line *lines, size_t n);

/* Answer one good line: write its result to `out` and return NB_OK, or
 * return an error code with nb_errmsg() set (and write nothing). */
typedef int (*nb_query_answer_fn)(void *ctx, const nb_query_line *line, FILE *out);

/* The --jsonl driver: read lines from `in`, parse and (with `resolve`)
 * resolve them in blocks, and answer each good line in input order; a bad
 * line or a failed answer gets an error object. Returns the code of the
 * first failed line, NB_OK when none failed, NB_ENOMEM / NB_EIO when the
 * batch itself cannot go on. */
int nb_query_lines_run(FILE *in, FILE *out, int resolve, nb_query_answer_fn answer, void *ctx);

/* {"error": "<message>", "code": N, "line": L} and a newline. */
void nb_query_line_write_error(FILE *out, int code, const char *message, long line_number);

#endif
