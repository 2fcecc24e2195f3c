/* TFRecord framing: writer and reader, plain and zstd, every corrupt kind
 * with its exact message, records across the reader's window, the real
 * sample file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_crc32c.h"
#include "nb_test.h"
#include "nb_tfrecord.h"

static const uint8_t hello_record[21] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0xea, 0xb2, 0x04,
                                         0x3e, 'h', 'e', 'l', 'l', 'o', 0xbb, 0x1f, 0x1c, 0x19};

/* A reader over bytes in memory. */
typedef struct {
    FILE *f;
    nb_tfr_reader *r;
} mem_reader;

static void mem_open(mem_reader *m, const void *bytes, size_t n)
{
    /* fmemopen cannot open an empty buffer in every libc: use a temp file. */
    m->f = tmpfile();
    assert_non_null(m->f);
    assert_int_equal(fwrite(bytes, 1, n, m->f), n);
    rewind(m->f);
    assert_int_equal(nb_tfr_open_stream(m->f, "mem.tfrecord", &m->r), NB_OK);
}

static void mem_close(mem_reader *m)
{
    nb_tfr_close(m->r);
    fclose(m->f);
}

static void test_frame_hello(void **state)
{
    (void)state;
    uint8_t out[21];
    assert_int_equal(nb_tfr_frame("hello", 5, out), 21);
    assert_memory_equal(out, hello_record, 21);

    mem_reader m;
    mem_open(&m, hello_record, 21);
    nb_tfr_record rec;
    int got;
    assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_OK);
    assert_int_equal(got, 1);
    assert_int_equal(rec.len, 5);
    assert_memory_equal(rec.data, "hello", 5);
    assert_int_equal(rec.index, 0);
    assert_int_equal(rec.offset, 0);
    assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_OK);
    assert_int_equal(got, 0);
    assert_int_equal(nb_tfr_bytes_in(m.r), 21);
    assert_false(nb_tfr_is_zstd(m.r));
    mem_close(&m);
}

static void test_empty_file(void **state)
{
    (void)state;
    mem_reader m;
    mem_open(&m, "", 0);
    nb_tfr_record rec;
    int got = 7;
    assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_OK);
    assert_int_equal(got, 0);
    mem_close(&m);
}

/* Three hello records with one byte changed, or the tail cut. */
static void expect_error(const uint8_t *bytes, size_t n, int good_before, nb_corrupt_kind kind,
                         const char *msg)
{
    mem_reader m;
    mem_open(&m, bytes, n);
    nb_tfr_record rec;
    int got;
    for (int i = 0; i < good_before; i++) {
        assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_OK);
        assert_int_equal(got, 1);
    }
    assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_ECORRUPT);
    assert_int_equal(got, 0);
    assert_string_equal(nb_errmsg(), msg);
    assert_int_equal(nb_tfr_corrupt_kind(m.r), kind);
    if (!nb_corrupt_recoverable(kind)) {
        /* Sticky: the same error again. */
        assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_ECORRUPT);
        assert_string_equal(nb_errmsg(), msg);
    } else {
        /* The next record is still readable. */
        assert_int_equal(nb_tfr_next(m.r, &rec, &got), NB_OK);
        assert_int_equal(got, 1);
        assert_int_equal(rec.index, good_before + 1);
        assert_int_equal(rec.offset, 21 * (good_before + 1));
    }
    mem_close(&m);
}

static void test_corrupt_kinds(void **state)
{
    (void)state;
    uint8_t three[63];
    for (int i = 0; i < 3; i++)
        memcpy(three + 21 * i, hello_record, 21);
    uint8_t b[63];

    memcpy(b, three, 63);
    expect_error(b, 42 + 5, 2, NB_CORRUPT_TRUNCATED,
                 "mem.tfrecord: record 2 at byte 42: truncated record (5 of 12 header bytes)");
    expect_error(b, 42 + 19, 2, NB_CORRUPT_TRUNCATED,
                 "mem.tfrecord: record 2 at byte 42: truncated record (19 of 21 bytes)");
    b[21 + 1] = 1; /* length byte of record 1 */
    expect_error(b, 63, 1, NB_CORRUPT_LENGTH_CRC,
                 "mem.tfrecord: record 1 at byte 21: bad length CRC");
    memcpy(b, three, 63);
    b[21 + 9] ^= 0x10; /* the stored length CRC itself */
    expect_error(b, 63, 1, NB_CORRUPT_LENGTH_CRC,
                 "mem.tfrecord: record 1 at byte 21: bad length CRC");
    memcpy(b, three, 63);
    b[21 + 13] = 'E'; /* payload byte */
    expect_error(b, 63, 1, NB_CORRUPT_DATA_CRC, "mem.tfrecord: record 1 at byte 21: bad data CRC");
    memcpy(b, three, 63);
    b[20] ^= 1; /* payload CRC of record 0 */
    expect_error(b, 63, 0, NB_CORRUPT_DATA_CRC, "mem.tfrecord: record 0 at byte 0: bad data CRC");

    /* A length with a valid CRC but far too large. */
    uint8_t big[12] = {0, 0, 0, 0, 0, 0, 0, 0x10};
    uint32_t m = nb_crc32c_mask(nb_crc32c(0, big, 8));
    for (int i = 0; i < 4; i++)
        big[8 + i] = (uint8_t)(m >> (8 * i));
    expect_error(big, 12, 0, NB_CORRUPT_TOO_LARGE,
                 "mem.tfrecord: record 0 at byte 0: record too large (1152921504606846976 bytes, "
                 "limit 67108864)");
}

/* Write n records of varying sizes (some larger than the 1 MiB window),
 * read them back, check payloads, indices and offsets. */
static void write_read(const char *name, int n, int huge)
{
    const char *path = nb_test_tmp(name);
    nb_tfr_writer *w;
    assert_int_equal(nb_tfr_writer_open(path, 0, &w), NB_OK);
    size_t maxlen = huge ? (3u << 20) : 4000;
    uint8_t *buf = malloc(maxlen);
    assert_non_null(buf);
    uint64_t *offsets = malloc(sizeof *offsets * (size_t)n), off = 0;
    for (int i = 0; i < n; i++) {
        size_t len = huge && i % 7 == 3 ? maxlen - (size_t)i : (size_t)(i * 37 % 4000);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)(i + k * 13);
        assert_int_equal(nb_tfr_write(w, buf, len), NB_OK);
        offsets[i] = off;
        off += len + NB_TFR_OVERHEAD;
    }
    assert_int_equal(nb_tfr_writer_records(w), n);
    assert_int_equal(nb_tfr_writer_bytes(w), off);
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    assert_int_equal(access(partial, F_OK), 0);
    assert_int_equal(nb_tfr_writer_close(w), NB_OK);
    assert_int_not_equal(access(partial, F_OK), 0);

    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    int zst = strstr(name, ".zst") != NULL;
    assert_int_equal(nb_tfr_is_zstd(r), zst);
    nb_tfr_record rec;
    int got;
    for (int i = 0; i < n; i++) {
        assert_int_equal(nb_tfr_next(r, &rec, &got), NB_OK);
        assert_int_equal(got, 1);
        size_t len = huge && i % 7 == 3 ? maxlen - (size_t)i : (size_t)(i * 37 % 4000);
        assert_int_equal(rec.len, len);
        assert_int_equal(rec.index, i);
        assert_int_equal(rec.offset, offsets[i]);
        for (size_t k = 0; k < len; k++)
            if (rec.data[k] != (uint8_t)(i + k * 13))
                fail_msg("record %d byte %zu differs", i, k);
    }
    assert_int_equal(nb_tfr_next(r, &rec, &got), NB_OK);
    assert_int_equal(got, 0);
    assert_int_equal(nb_tfr_bytes_out(r), off);
    /* Progress: at the end every byte of the file was consumed. */
    size_t file_len;
    char *file = nb_test_read_file(path, &file_len);
    assert_non_null(file);
    free(file);
    assert_int_equal(nb_tfr_bytes_in(r), file_len);
    if (!zst)
        assert_int_equal(file_len, off);
    else
        assert_true(file_len < off);
    nb_tfr_close(r);
    free(offsets);
    free(buf);
}

static void test_plain_across_window(void **state)
{
    (void)state;
    write_read("many.tfrecord", 3000, 0); /* about 6 MB: many window refills */
}

static void test_zstd_across_window(void **state)
{
    (void)state;
    write_read("many.tfrecord.zst", 3000, 0);
}

static void test_huge_records(void **state)
{
    (void)state;
    write_read("huge.tfrecord", 12, 1);
    write_read("huge.tfrecord.zst", 12, 1);
}

/* A zstd file cut short: its complete records read, then a zstd error. */
static void test_zstd_truncated(void **state)
{
    (void)state;
    const char *path = nb_test_tmp("cut.tfrecord.zst");
    nb_tfr_writer *w;
    assert_int_equal(nb_tfr_writer_open(path, 0, &w), NB_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(nb_tfr_write(w, "hello", 5), NB_OK);
    assert_int_equal(nb_tfr_writer_close(w), NB_OK);
    size_t n;
    char *bytes = nb_test_read_file(path, &n);
    assert_non_null(bytes);
    mem_reader m;
    mem_open(&m, bytes, n - 3);
    nb_tfr_record rec;
    int got, rc, count = 0;
    while ((rc = nb_tfr_next(m.r, &rec, &got)) == NB_OK && got)
        count++;
    assert_int_equal(rc, NB_ECORRUPT);
    assert_int_equal(nb_tfr_corrupt_kind(m.r), NB_CORRUPT_ZSTD);
    /* Named after the record being read, at its offset. */
    char want[128];
    snprintf(want, sizeof want, "mem.tfrecord: record %d at byte %d: bad zstd stream (", count,
             21 * count);
    if (strncmp(nb_errmsg(), want, strlen(want)) != 0)
        fail_msg("message \"%s\"", nb_errmsg());
    assert_true(count < 100);
    mem_close(&m);
    free(bytes);
}

static void test_writer_abort_and_errors(void **state)
{
    (void)state;
    const char *path = nb_test_tmp("aborted.tfrecord");
    nb_tfr_writer *w;
    assert_int_equal(nb_tfr_writer_open(path, 0, &w), NB_OK);
    assert_int_equal(nb_tfr_write(w, "x", 1), NB_OK);
    nb_tfr_writer_abort(w);
    assert_int_not_equal(access(path, F_OK), 0);
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    assert_int_not_equal(access(partial, F_OK), 0);

    assert_int_equal(nb_tfr_writer_open("/nonexistent-dir/x.tfrecord", 0, &w), NB_EIO);
    assert_null(w);
    assert_non_null(strstr(nb_errmsg(), "/nonexistent-dir/x.tfrecord.partial: cannot create"));
    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open("/nonexistent-dir/x.tfrecord", &r), NB_EIO);
    assert_null(r);

    /* /dev/full: written in place, and the failure is reported. */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(nb_tfr_writer_open("/dev/full", 0, &w), NB_OK);
        int rc = NB_OK;
        for (int i = 0; i < 200000 && rc == NB_OK; i++)
            rc = nb_tfr_write(w, "hello world", 11);
        if (rc == NB_OK)
            rc = nb_tfr_writer_close(w);
        else
            nb_tfr_writer_abort(w);
        assert_int_equal(rc, NB_EIO);
        assert_non_null(strstr(nb_errmsg(), "/dev/full: write failed"));
    }
}

static void test_real_sample(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/nb101_real_sample.tfrecord");
    if (!path)
        skip();
    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    nb_tfr_record rec;
    int got, count = 0;
    uint64_t off = 0;
    while (nb_tfr_next(r, &rec, &got) == NB_OK && got) {
        assert_int_equal(rec.offset, off);
        assert_true(rec.len > 300 && rec.len < 400);
        assert_int_equal(rec.data[0], '[');
        off += rec.len + NB_TFR_OVERHEAD;
        count++;
    }
    assert_int_equal(got, 0);
    assert_int_equal(count, 105);
    assert_int_equal(off, 37620);
    nb_tfr_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_hello),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_corrupt_kinds),
        cmocka_unit_test(test_plain_across_window),
        cmocka_unit_test(test_zstd_across_window),
        cmocka_unit_test(test_huge_records),
        cmocka_unit_test(test_zstd_truncated),
        cmocka_unit_test(test_writer_abort_and_errors),
        cmocka_unit_test(test_real_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
