/* Shared helpers of the nasbench command line (tools/). */
#ifndef NB_CLI_H
#define NB_CLI_H

#include <stdio.h>

#include "nasbench/error.h"
#include "nasbench/query.h"
#include "nb_query_line.h"

/* Print "nasbench CMD: <nb_errmsg()>" on stderr and return code: the exit
 * status of a failed command is its library result code. */
int cli_fail(const char *cmd, int code);

/* Print "nasbench CMD: <message>" and a hint to --help; return NB_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After getopt_long returned '?' (opterr is 0: getopt prints nothing):
 * "nasbench CMD: unknown option or missing value: '<the argument>'" and a
 * hint to --help, as one line; returns NB_EUSAGE. */
int cli_bad_option(const char *cmd, char **argv);

/* Nonzero when stderr is a terminal (progress output goes there only then). */
int cli_stderr_is_tty(void);

/* Parse a base-10 integer option value strictly; NB_EUSAGE on junk. */
int cli_parse_int(const char *cmd, const char *opt, const char *text, long long *value);

/* The module a query-like command names: exactly one of --jsonl (line is
 * left empty), --hash H, or --matrix M with --ops O. Prints the usage or
 * parse error and returns its code. */
int cli_module_args(const char *cmd, int jsonl, const char *hash, const char *matrix,
                    const char *ops, nb_query_line *line);

/* Answer what cli_module_args found: the one line, or with `jsonl` every
 * line of stdin (`resolve` as for nb_query_lines_run). Prints a failure;
 * returns its code. */
int cli_answer_modules(const char *cmd, int jsonl, int resolve, const nb_query_line *line,
                       nb_query_answer_fn answer, void *ctx);

/* Read one line of any length from `in` into *buf (grown with realloc).
 * Returns the length without the newline, or -1 at end of input. */
long cli_getline(char **buf, size_t *cap, FILE *in);

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef X

#endif
