/* Shared helpers of the nasbench command line. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_fail(const char *cmd, int code)
{
    fprintf(stderr, "nasbench %s: %s\n", cmd, nb_errmsg());
    return code;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nasbench %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'nasbench %s --help')\n", cmd);
    return NB_EUSAGE;
}

int cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

int cli_bad_option(const char *cmd, char **argv)
{
    /* getopt_long has moved optind past the offending argument; a short
     * option names itself in optopt. */
    if (optopt && optopt < 128 && optind > 0 && argv[optind - 1][0] == '-' &&
        argv[optind - 1][1] != '-')
        return cli_usage(cmd, "unknown option or missing value: '-%c'", optopt);
    return cli_usage(cmd, "unknown option or missing value: '%s'",
                     optind > 0 ? argv[optind - 1] : "?");
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, long long *value)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return cli_usage(cmd, "%s wants an integer, got '%s'", opt, text);
    *value = v;
    return NB_OK;
}

long cli_getline(char **buf, size_t *cap, FILE *in)
{
    ssize_t n = getline(buf, cap, in);
    if (n < 0)
        return -1;
    while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
        (*buf)[--n] = '\0';
    return (long)n;
}

int cli_module_args(const char *cmd, int jsonl, const char *hash, const char *matrix,
                    const char *ops, nb_query_line *line)
{
    memset(line, 0, sizeof *line);
    int sources = jsonl + (hash != NULL) + (matrix || ops);
    if (sources != 1 || (!jsonl && !hash && !(matrix && ops)))
        return cli_usage(cmd, "give --hash, or --matrix and --ops, or --jsonl");
    if (jsonl)
        return NB_OK;
    int rc = nb_query_line_from_args(line, hash, matrix, ops);
    return rc ? cli_fail(cmd, rc) : NB_OK;
}

int cli_answer_modules(const char *cmd, int jsonl, int resolve, const nb_query_line *line,
                       nb_query_answer_fn answer, void *ctx)
{
    /* No held snapshot for a batch: the handle's read lease already keeps
     * the lock across lines, and gives it up while a caller feeding lines
     * through a pipe is busy elsewhere, so writers are not locked out. */
    if (jsonl)
        return nb_query_lines_run(stdin, stdout, resolve, answer, ctx);
    int rc = answer(ctx, line, stdout);
    return rc ? cli_fail(cmd, rc) : NB_OK;
}
