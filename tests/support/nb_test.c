/* Shared helpers of the cmocka tests. */
#include "nb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *nb_test_shared(const char *relative)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", NB_SHARED_DIR, relative);
    return access(path, R_OK) == 0 ? path : NULL;
}

const char *nb_test_source(const char *relative)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", NB_SOURCE_DIR, relative);
    return path;
}

const char *nb_test_tmp(const char *name)
{
    static char dir[1024];
    static char path[2048];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/nbtest.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir))
            return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

char *nb_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}
