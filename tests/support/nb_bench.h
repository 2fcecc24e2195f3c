/* Shared by the benchmark programs (tests/bench_*.c). */
#ifndef NB_BENCH_H
#define NB_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --help or -h anywhere in argv: print usage to stdout and exit 0, before
 * a benchmark takes the word for a path or a count. */
static inline void nb_bench_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            exit(0);
        }
}

#endif
