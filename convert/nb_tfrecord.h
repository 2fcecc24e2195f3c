/*
 * Internal: TFRecord files (reference 1.2), plain or zstd-compressed.
 *
 * A record is: u64 length (LE), u32 masked CRC-32C of those 8 bytes, the
 * payload, u32 masked CRC-32C of the payload. No file header or trailer.
 *
 * The reader streams with constant memory (one 1 MiB input buffer, plus a
 * 1 MiB decompression buffer for zstd; a record larger than the buffer grows
 * it once) and does no allocation per record. It verifies both CRCs of every
 * record. A zstd file is recognised by its frame magic (28 b5 2f fd) whatever
 * its name and decompressed on the fly (no temporary file).
 *
 * Errors follow nasbench/error.h. Bad input gives NB_ECORRUPT with the one
 * line "<file>: record <i> at byte <off>: <what>", where <i> is the 0-based
 * record index and <off> the byte offset of the record's first byte in the
 * (decompressed) stream; nb_tfr_corrupt_kind() tells which kind it was.
 * A clean end of file is only possible at a record boundary.
 *
 * A reader or writer is used by one thread at a time.
 */
#ifndef NB_TFRECORD_H
#define NB_TFRECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nb_corrupt.h"

/* Largest payload accepted: far above any NAS-Bench record (about 350
 * bytes); a larger length is reported as corrupt instead of allocated. */
#define NB_TFR_MAX_RECORD (64u << 20)

/* Bytes of framing around each payload. */
#define NB_TFR_OVERHEAD 16

typedef struct nb_tfr_reader nb_tfr_reader;

typedef struct nb_tfr_record {
    const uint8_t *data; /* the payload; owned by the reader, valid until the next call */
    size_t len;
    int64_t index;       /* 0-based record number */
    uint64_t offset;     /* offset of the record header in the (decompressed) stream */
} nb_tfr_record;

/* Open a file for reading. `path` is used in error messages. On success *out
 * owns the file until nb_tfr_close(). NB_EIO when it cannot be opened. */
int nb_tfr_open(const char *path, nb_tfr_reader **out);

/* Read from an open stream (e.g. fmemopen). `name` is copied and used in
 * messages; the reader does not close `f` (the caller does, after
 * nb_tfr_close). */
int nb_tfr_open_stream(FILE *f, const char *name, nb_tfr_reader **out);

/* Close and free. NULL is a no-op. */
void nb_tfr_close(nb_tfr_reader *r);

/* Next record. NB_OK with *got = 1 and *rec filled, or NB_OK with *got = 0
 * at a clean end of file. NB_ECORRUPT / NB_EIO on failure. After a bad data
 * CRC (nb_corrupt_recoverable) the reader stands after that record and the
 * next call goes on; after any other failure every later call fails again
 * with the same error. */
int nb_tfr_next(nb_tfr_reader *r, nb_tfr_record *rec, int *got);

/* Kind of the last NB_ECORRUPT failure of this reader (NB_CORRUPT_NONE if
 * none, or if it was an I/O error). */
nb_corrupt_kind nb_tfr_corrupt_kind(const nb_tfr_reader *r);

/* Bytes consumed so far of the file itself (compressed bytes for zstd): for
 * progress against the file size. */
uint64_t nb_tfr_bytes_in(const nb_tfr_reader *r);

/* Bytes of the (decompressed) record stream consumed so far. */
uint64_t nb_tfr_bytes_out(const nb_tfr_reader *r);

/* Nonzero when the input is zstd-compressed. */
int nb_tfr_is_zstd(const nb_tfr_reader *r);

/* ---- writing ------------------------------------------------------------ */

typedef struct nb_tfr_writer nb_tfr_writer;

/* Create `path` for writing (truncated if present), zstd-compressed when the
 * name ends in ".zst" (level `zstd_level`, 0 = default 3). Data goes to
 * "<path>.partial" and is renamed to `path` by a successful nb_tfr_writer_close,
 * so a failed or interrupted write never leaves a complete-looking file. */
int nb_tfr_writer_open(const char *path, int zstd_level, nb_tfr_writer **out);

/* Append one record. Every write is checked (NB_EIO with the file name). */
int nb_tfr_write(nb_tfr_writer *w, const void *payload, size_t len);

/* Records and bytes (uncompressed stream) written so far. */
int64_t nb_tfr_writer_records(const nb_tfr_writer *w);
uint64_t nb_tfr_writer_bytes(const nb_tfr_writer *w);

/* Flush, close, rename into place and free. Returns the first error met
 * (then the partial file is removed). NULL is a no-op returning NB_OK. */
int nb_tfr_writer_close(nb_tfr_writer *w);

/* Give up: close, remove the partial file, free. NULL is a no-op. */
void nb_tfr_writer_abort(nb_tfr_writer *w);

/* Frame one record into out (>= len + NB_TFR_OVERHEAD bytes); returns the
 * framed length. For callers that batch their own writes. */
size_t nb_tfr_frame(const void *payload, size_t len, uint8_t *out);

#endif
