/*
 * nasbench: result codes and error messages.
 *
 * One idiom everywhere (as in SQLite): every fallible function returns an
 * int result code, NB_OK (0) on success. On failure it also records a
 * one-line message that nb_errmsg() returns until the next failure on the
 * same thread. Messages name what failed (file, record, byte offset, rule).
 * The command line uses the result code as its exit status.
 */
#ifndef NASBENCH_ERROR_H
#define NASBENCH_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    NB_OK = 0,
    NB_ERROR = 1,     /* generic failure */
    NB_EUSAGE = 2,    /* wrong arguments to a function or a command */
    NB_EINVAL = 3,    /* malformed text: JSON, bit string, op list, base64 */
    NB_ESPEC = 4,     /* structurally invalid spec (not square, not upper triangular, ...) */
    NB_EDOMAIN = 5,   /* valid spec or value outside the search space / database */
    NB_ENOTFOUND = 6, /* no such module, run or budget in the database */
    NB_ECORRUPT = 7,  /* corrupt or truncated input file */
    NB_EIO = 8,       /* operating-system I/O failure */
    NB_EDB = 9,       /* SQLite failure */
    NB_ENOMEM = 10,   /* out of memory */
    NB_EINTR = 11     /* interrupted (SIGINT) */
};

/* The message of the last failure on this thread. Never NULL; the storage is
 * thread-local and owned by the library, valid until the next failure. */
const char *nb_errmsg(void);

/* A short English name for a result code ("out of domain", ...). Static. */
const char *nb_strerror(int code);

/* Record a failure: formats the message (printf-style) and returns code, so
 * that callers write `return nb_seterr(NB_EINVAL, "...", ...);`. */
int nb_seterr(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefix the current message with context ("file.tfrecord: record 7: ...")
 * and return code unchanged. */
int nb_preferr(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
