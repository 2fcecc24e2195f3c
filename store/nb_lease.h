/*
 * Internal: the read lease of a query handle made by nb_bench_open.
 *
 * Outside a transaction SQLite takes and drops the file lock around every
 * statement and looks for a hot journal and a WAL file each time: seven
 * system calls, about 5 us, more than a whole point lookup. The lease keeps
 * one read transaction open across calls and a background thread ends it
 * NB_LEASE_MS after it began, whether or not the caller is still busy, so a
 * writer in another process waits at most that long (its busy timeout
 * covers it) even while this process sits idle. In rollback-journal mode a
 * held read lock means no writer commits meanwhile, so reads are never
 * stale; in WAL mode a read sees the database as it was at most NB_LEASE_MS
 * earlier.
 *
 * Threading: the owner thread brackets every call with enter/leave; the
 * lease thread only touches the connection while holding the mutex, which
 * the owner holds for the whole call, so the two never use the connection
 * at once (the connection is opened SQLITE_OPEN_NOMUTEX).
 */
#ifndef NB_LEASE_H
#define NB_LEASE_H

#include <sqlite3.h>

#define NB_LEASE_MS 10

typedef struct nb_lease nb_lease;

/* A lease on `conn` (borrowed; must outlive the lease) whose transactions
 * last `ms` milliseconds (NB_LEASE_MS for query handles). No thread runs
 * until the first enter. NB_ENOMEM on failure. */
int nb_lease_new(sqlite3 *conn, int ms, nb_lease **out);

/* End the open transaction, stop the thread and free. NULL is a no-op. */
void nb_lease_free(nb_lease *lease);

/* Bracket one call of the owner thread (calls nest). enter makes sure a
 * read transaction is open unless the lease is paused; when that is not
 * possible (no thread, BEGIN refused) calls simply run in autocommit mode,
 * as they would without a lease. */
void nb_lease_enter(nb_lease *lease);
void nb_lease_leave(nb_lease *lease);

/* Pause (on = 1: end the transaction and open no other) or resume. For
 * callers that manage transactions on the connection themselves. */
void nb_lease_pause(nb_lease *lease, int on);

#endif
