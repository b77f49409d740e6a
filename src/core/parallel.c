/* parallel.c - run independent work items on a few threads.
 *
 * coh_parallel_for(n, threads, fn, ctx) calls fn(ctx, i) once for each i in
 * [0, n), spread over at most `threads` threads (the caller's thread is one
 * of them); items are handed out one at a time through an atomic counter,
 * so uneven items balance themselves.  Returns when all are done.  If a
 * thread cannot be started, the remaining threads do its share.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core.h"

typedef struct par_job {
    atomic_size_t next;
    size_t n;
    coh_par_fn fn;
    void *ctx;
} par_job;

static void *worker(void *arg)
{
    par_job *job = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->n)
            break;
        job->fn(job->ctx, i);
    }
    return NULL;
}

int coh_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

void coh_parallel_for(size_t n, int threads, coh_par_fn fn, void *ctx)
{
    par_job job;
    atomic_init(&job.next, 0);
    job.n = n;
    job.fn = fn;
    job.ctx = ctx;
    if (threads <= 0)
        threads = coh_online_cores();
    if ((size_t)threads > n)
        threads = (int)n;
    if (threads > 64)
        threads = 64;
    pthread_t tid[64];
    int started = 0;
    for (int k = 1; k < threads; k++) {
        if (pthread_create(&tid[started], NULL, worker, &job) != 0)
            break;
        started++;
    }
    worker(&job);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
}
