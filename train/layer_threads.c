/*
 * A small persistent thread pool for the network's own loops (GEMM row
 * blocks, batch norm, pooling, im2col). Threads are created once per net:
 * starting threads for every layer call would cost more than the small
 * layers of a reduced net. A step makes hundreds of calls, so both sides
 * spin briefly before sleeping on the condition variables: a wake-up
 * through the kernel costs tens of microseconds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Spin iterations before blocking (roughly 50-100 microseconds). */
#define NB_POOL_SPIN 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#include "nb_layer.h"

struct nb_pool {
    int threads;
    pthread_t *ids;
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    atomic_ulong generation;  /* bumped for every job */
    atomic_int pending;       /* workers still running the current job */
    int quit;
    /* the current job */
    long n;
    nb_range_fn fn;
    void *ctx;
};

struct worker_arg {
    nb_pool *pool;
    int part;
};

static void run_part(nb_pool *pool, int part)
{
    long n = pool->n, t = pool->threads;
    long begin = n * part / t, end = n * (part + 1) / t;
    if (begin < end)
        pool->fn(pool->ctx, part, begin, end);
}

static void *worker(void *p)
{
    struct worker_arg arg = *(struct worker_arg *)p;
    free(p);
    nb_pool *pool = arg.pool;
    unsigned long seen = 0;
    for (;;) {
        for (int i = 0; i < NB_POOL_SPIN && atomic_load(&pool->generation) == seen; i++)
            cpu_relax();
        pthread_mutex_lock(&pool->lock);
        while (atomic_load(&pool->generation) == seen && !pool->quit)
            pthread_cond_wait(&pool->start, &pool->lock);
        int quit = pool->quit;
        pthread_mutex_unlock(&pool->lock);
        if (quit)
            break;
        seen = atomic_load(&pool->generation);
        run_part(pool, arg.part);
        if (atomic_fetch_sub(&pool->pending, 1) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
    return NULL;
}

nb_pool *nb_pool_create(int threads)
{
    if (threads < 1)
        threads = 1;
    nb_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->threads = threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->ids = calloc((size_t)threads, sizeof *pool->ids);
    if (!pool->ids) {
        nb_pool_free(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        struct worker_arg *arg = malloc(sizeof *arg);
        if (!arg || (arg->pool = pool, arg->part = i,
                     pthread_create(&pool->ids[i], NULL, worker, arg) != 0)) {
            free(arg);
            pool->threads = i; /* only the started ones are joined */
            nb_pool_free(pool);
            return NULL;
        }
    }
    return pool;
}

void nb_pool_free(nb_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->threads; i++)
        pthread_join(pool->ids[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->start);
    pthread_cond_destroy(&pool->done);
    free(pool->ids);
    free(pool);
}

int nb_pool_threads(const nb_pool *pool)
{
    return pool ? pool->threads : 1;
}

void nb_pool_for(nb_pool *pool, long n, nb_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    if (!pool || pool->threads == 1 || n == 1) {
        fn(ctx, 0, 0, n);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->n = n;
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->threads - 1);
    atomic_fetch_add(&pool->generation, 1); /* publishes the job (seq_cst) */
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    run_part(pool, 0);
    for (int i = 0; i < NB_POOL_SPIN && atomic_load(&pool->pending) > 0; i++)
        cpu_relax();
    if (atomic_load(&pool->pending) > 0) {
        pthread_mutex_lock(&pool->lock);
        while (atomic_load(&pool->pending) > 0)
            pthread_cond_wait(&pool->done, &pool->lock);
        pthread_mutex_unlock(&pool->lock);
    }
}
