/* The read lease of a query handle (see nb_lease.h for why). */
#include "nb_lease.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "nasbench/error.h"

struct nb_lease {
    sqlite3 *conn;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int started; /* the thread runs */
    int stop;    /* asks the thread to return */
    int open;    /* a transaction of the lease is open */
    int paused;
    int depth;             /* nesting of enter; owner thread only */
    long ms;               /* how long one transaction lasts */
    struct timespec until; /* CLOCK_MONOTONIC end of the open transaction */
};

static int before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* With the mutex held. A read transaction has nothing to lose: when COMMIT
 * is refused the transaction is rolled back instead. */
static void end_transaction(nb_lease *l)
{
    if (!l->open)
        return;
    l->open = 0;
    if (sqlite3_get_autocommit(l->conn))
        return; /* SQLite already ended it (an error rolled it back) */
    if (sqlite3_exec(l->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(l->conn, "ROLLBACK", NULL, NULL, NULL);
}

static void *lease_main(void *arg)
{
    nb_lease *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        if (!l->open) {
            pthread_cond_wait(&l->cv, &l->mu);
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (before(&now, &l->until))
            pthread_cond_timedwait(&l->cv, &l->mu, &l->until);
        else
            end_transaction(l);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int nb_lease_new(sqlite3 *conn, int ms, nb_lease **out)
{
    *out = NULL;
    nb_lease *l = calloc(1, sizeof *l);
    if (!l)
        return nb_seterr(NB_ENOMEM, "out of memory");
    pthread_condattr_t attr;
    int ok = pthread_condattr_init(&attr) == 0;
    ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0;
    ok = ok && pthread_cond_init(&l->cv, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok || pthread_mutex_init(&l->mu, NULL) != 0) {
        if (ok)
            pthread_cond_destroy(&l->cv);
        free(l);
        return nb_seterr(NB_ENOMEM, "cannot create the read lease");
    }
    l->conn = conn;
    l->ms = ms > 0 ? ms : 1;
    *out = l;
    return NB_OK;
}

void nb_lease_free(nb_lease *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    end_transaction(l);
    l->stop = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    if (l->started)
        pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* With the mutex held. BEGIN is deferred: the shared lock comes with the
 * call's first read and stays until end_transaction. */
static void begin_transaction(nb_lease *l)
{
    if (!l->started) {
        if (pthread_create(&l->thread, NULL, lease_main, l) != 0)
            return; /* no thread: no lease, calls stay in autocommit mode */
        l->started = 1;
    }
    if (!sqlite3_get_autocommit(l->conn) ||
        sqlite3_exec(l->conn, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return;
    clock_gettime(CLOCK_MONOTONIC, &l->until);
    l->until.tv_sec += l->ms / 1000;
    l->until.tv_nsec += l->ms % 1000 * 1000000L;
    if (l->until.tv_nsec >= 1000000000L) {
        l->until.tv_sec++;
        l->until.tv_nsec -= 1000000000L;
    }
    l->open = 1;
    pthread_cond_signal(&l->cv);
}

void nb_lease_enter(nb_lease *l)
{
    if (!l || l->depth++)
        return;
    pthread_mutex_lock(&l->mu);
    if (l->open && sqlite3_get_autocommit(l->conn))
        l->open = 0; /* rolled back by SQLite after an error */
    if (!l->open && !l->paused)
        begin_transaction(l);
}

void nb_lease_leave(nb_lease *l)
{
    if (!l || --l->depth)
        return;
    pthread_mutex_unlock(&l->mu);
}

void nb_lease_pause(nb_lease *l, int on)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    if (on)
        end_transaction(l);
    l->paused = on != 0;
    pthread_mutex_unlock(&l->mu);
}
