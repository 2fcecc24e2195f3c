/* Thread-local last-error message: the one error idiom of nasbench. */
#include "nasbench/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NB_ERRMSG_MAX 1024

static _Thread_local char errmsg[NB_ERRMSG_MAX];

const char *nb_errmsg(void)
{
    return errmsg;
}

const char *nb_strerror(int code)
{
    switch (code) {
    case NB_OK: return "ok";
    case NB_ERROR: return "error";
    case NB_EUSAGE: return "usage error";
    case NB_EINVAL: return "malformed input";
    case NB_ESPEC: return "invalid spec";
    case NB_EDOMAIN: return "out of domain";
    case NB_ENOTFOUND: return "not found";
    case NB_ECORRUPT: return "corrupt input";
    case NB_EIO: return "I/O error";
    case NB_EDB: return "database error";
    case NB_ENOMEM: return "out of memory";
    case NB_EINTR: return "interrupted";
    default: return "unknown error";
    }
}

int nb_seterr(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int nb_preferr(int code, const char *fmt, ...)
{
    char prefix[NB_ERRMSG_MAX];
    char old[NB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof old);
    /* Truncation is fine: the message is one line for a human. */
    size_t n = strnlen(prefix, sizeof prefix - 1);
    memcpy(errmsg, prefix, n);
    if (n + 2 < sizeof errmsg) {
        memcpy(errmsg + n, ": ", 2);
        n += 2;
    }
    size_t m = strnlen(old, sizeof errmsg - 1 - n);
    memcpy(errmsg + n, old, m);
    errmsg[n + m] = '\0';
    return code;
}
