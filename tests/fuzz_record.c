/*
 * libFuzzer target: arbitrary bytes into the TFRecord reader (over a memory
 * stream) and into the record codec, both directly (as a payload) and framed
 * as a valid record. Invariants checked besides "no crash, no leak":
 * a payload that nb_record_is_canonical accepts re-encodes to itself, and a
 * record that decodes re-encodes into something that decodes to the same
 * values.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNB_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_record
 *   build-fuzz/fuzz/fuzz_record -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_record.h"
#include "nb_tfrecord.h"

static nb_record_codec *codec, *codec2;

static void check_payload(const uint8_t *data, size_t size)
{
    nb_record rec;
    nb_corrupt_kind kind;
    if (nb_record_decode(codec, data, size, &rec, &kind) != NB_OK) {
        if (kind < NB_CORRUPT_JSON || kind > NB_CORRUPT_PROTOBUF)
            abort(); /* a decode failure always names a payload kind */
        return;
    }
    nb_spec spec;
    (void)nb_record_validate(&rec, &spec, &kind);
    int exact = 0;
    if (nb_record_is_canonical(codec, &rec, data, size, &exact) != NB_OK)
        return;
    const uint8_t *p;
    size_t n;
    if (nb_record_encode(codec, &rec, &p, &n) != NB_OK)
        return;
    if (exact && (n != size || memcmp(p, data, n) != 0))
        abort();
    /* The encoding decodes (with another codec) to the same values. */
    nb_record back;
    if (nb_record_decode(codec2, p, n, &back, &kind) != NB_OK)
        abort();
    if (back.epochs != rec.epochs || back.num_evaluations != rec.num_evaluations ||
        back.hash_len != rec.hash_len || memcmp(back.hash, rec.hash, rec.hash_len) != 0 ||
        back.has_total_time != rec.has_total_time ||
        back.has_trainable_parameters != rec.has_trainable_parameters)
        abort();
    for (int i = 0; i < rec.num_evaluations; i++)
        if (back.evaluations[i].present != rec.evaluations[i].present)
            abort();
}

static void read_stream(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    nb_tfr_reader *r;
    if (nb_tfr_open_stream(f, "fuzz", &r) == NB_OK) {
        nb_tfr_record rec;
        int got, rc, guard = 0;
        while (guard++ < 100000) {
            rc = nb_tfr_next(r, &rec, &got);
            if (rc == NB_OK && !got)
                break;
            if (rc == NB_OK)
                check_payload(rec.data, rec.len);
            else if (!nb_corrupt_recoverable(nb_tfr_corrupt_kind(r)))
                break;
        }
        nb_tfr_close(r);
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!codec && (nb_record_codec_new(&codec) || nb_record_codec_new(&codec2)))
        abort();
    if (size > 0)
        read_stream(data, size);
    check_payload(data, size);
    /* The same bytes as the payload of one valid record. */
    if (size < 65536) {
        uint8_t *framed = malloc(size + NB_TFR_OVERHEAD);
        if (framed) {
            size_t n = nb_tfr_frame(data, size, framed);
            read_stream(framed, n);
            free(framed);
        }
    }
    return 0;
}
