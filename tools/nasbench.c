/* nasbench: the command line. Dispatches to one function per command. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
#define X(name, fn, summary) {#name, fn, summary},
#include "commands.def"
#undef X
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench COMMAND [ARGS...]\n"
            "\n"
            "NAS-Bench-101 on SQLite: convert the original TFRecords, query, train.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "'nasbench COMMAND --help' describes a command.\n"
            "Exit status: 0 ok, 1 error, 2 usage, 3 malformed input, 4 invalid spec,\n"
            "5 out of domain, 6 not found, 7 corrupt input, 8 I/O, 9 database,\n"
            "10 out of memory, 11 interrupted.\n");
}

int main(int argc, char **argv)
{
    opterr = 0; /* commands report a bad option themselves, in one line */
    if (argc < 2) {
        usage(stderr);
        return NB_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return NB_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("nasbench %s\n", NB_VERSION);
        return NB_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "nasbench: unknown command '%s' (see 'nasbench --help')\n", argv[1]);
    return NB_EUSAGE;
}
