/* The record codec: the real sample decodes and re-encodes byte for byte,
 * the reference record of section 1.7, the protobuf bytes of section 1.4,
 * Python's JSON escapes, presence bits, every error kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_metrics.pb-c.h"
#include "nasbench/error.h"
#include "nb_base64.h"
#include "nb_record.h"
#include "nb_test.h"
#include "nb_tfrecord.h"

static nb_record_codec *codec;

static int setup(void **state)
{
    (void)state;
    return nb_record_codec_new(&codec);
}

static int teardown(void **state)
{
    (void)state;
    nb_record_codec_free(codec);
    return 0;
}

/* Section 1.4: EvaluationData (54.0, 883.4580078125, ...) is 45 bytes; in a
 * ModelMetrics it is written 0a 2d + those bytes; 8555530 is 10 8a 98 8a 04. */
static const uint8_t eval45[45] = {
    0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4b, 0x40, 0x11, 0x00, 0x00, 0x00, 0x00, 0xaa,
    0x9b, 0x8b, 0x40, 0x19, 0x00, 0x00, 0x00, 0x00, 0xd2, 0x80, 0xea, 0x3f, 0x21, 0x00, 0x00,
    0x00, 0x20, 0x76, 0xe2, 0xe8, 0x3f, 0x29, 0x00, 0x00, 0x00, 0x40, 0xec, 0xc4, 0xe8, 0x3f};

static nb_evaluation halfway0(void)
{
    nb_evaluation e = {.present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME |
                                  NB_EVAL_TRAIN_ACCURACY | NB_EVAL_VALIDATION_ACCURACY |
                                  NB_EVAL_TEST_ACCURACY,
                       .current_epoch = 54.0,
                       .training_time = 883.4580078125,
                       .train_accuracy = 0.8282251358032227,
                       .validation_accuracy = 0.7776442170143127,
                       .test_accuracy = 0.7740384340286255};
    return e;
}

static void test_protobuf_bytes_of_1_4(void **state)
{
    (void)state;
    nb_evaluation e = halfway0();
    nb_record rec = {.num_evaluations = 1, .evaluations = &e, .has_trainable_parameters = 1,
                     .trainable_parameters = 8555530};
    uint8_t out[64];
    size_t n = nb_record_encode_metrics(&rec, out, sizeof out);
    assert_int_equal(n, 2 + 45 + 5);
    assert_int_equal(out[0], 0x0a);
    assert_int_equal(out[1], 0x2d);
    assert_memory_equal(out + 2, eval45, 45);
    static const uint8_t p1[5] = {0x10, 0x8a, 0x98, 0x8a, 0x04};
    assert_memory_equal(out + 47, p1, 5);
    rec.trainable_parameters = 2694282;
    nb_record_encode_metrics(&rec, out, sizeof out);
    static const uint8_t p2[5] = {0x10, 0x8a, 0xb9, 0xa4, 0x01};
    assert_memory_equal(out + 47, p2, 5);
    /* Short buffer: the size it needs, nothing written. */
    uint8_t small[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    assert_int_equal(nb_record_encode_metrics(&rec, small, 2), 52);
    assert_int_equal(small[0], 0xEE);
    assert_int_equal(nb_record_encode_metrics(&rec, NULL, 0), 52);

    /* And protobuf-c reads the hand-made bytes back. */
    nb_record back = {0};
    assert_int_equal(nb_record_decode_metrics(codec, out, n, &back), NB_OK);
    assert_int_equal(back.num_evaluations, 1);
    assert_memory_equal(&back.evaluations[0], &e, sizeof e);
    assert_true(back.has_trainable_parameters);
    assert_int_equal(back.trainable_parameters, 2694282);
    assert_false(back.has_total_time);
}

/* Section 1.7: the three repeats of 00005c14... at 108 epochs. */
static const double ref17[3][8] = {
    {883.4580078125, 0.8282251358032227, 0.7776442170143127, 0.7740384340286255, 1769.1279296875,
     1.0, 0.9241786599159241, 0.9211738705635071},
    {883.6810302734375, 0.8796073794364929, 0.8291265964508057, 0.8204126358032227,
     1768.2509765625, 1.0, 0.9245793223381042, 0.9190705418586731},
    {883.4569702148438, 0.8634815812110901, 0.811598539352417, 0.8058894276618958,
     1768.9759521484375, 1.0, 0.9304887652397156, 0.9215745329856873},
};

static void check_ref17(const nb_record *rec, int repeat)
{
    assert_int_equal(rec->hash_len, 32);
    assert_memory_equal(rec->hash, "00005c142e6f48ac74fdcf73e3439874", 32);
    assert_int_equal(rec->epochs, 108);
    assert_int_equal(rec->num_evaluations, 3);
    assert_true(rec->has_trainable_parameters);
    assert_int_equal(rec->trainable_parameters, 8555530);
    for (int k = 0; k < 2; k++) {
        const nb_evaluation *e = &rec->evaluations[1 + k];
        const double *v = ref17[repeat] + 4 * k;
        assert_true(e->training_time == v[0] && e->train_accuracy == v[1] &&
                    e->validation_accuracy == v[2] && e->test_accuracy == v[3]);
        assert_true(e->current_epoch == (k ? 108.0 : 54.0));
    }
}

static void test_real_sample_round_trip(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/nb101_real_sample.tfrecord");
    if (!path)
        skip();
    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    nb_tfr_record tr;
    int got, count = 0;
    while (nb_tfr_next(r, &tr, &got) == NB_OK && got) {
        nb_record rec;
        nb_corrupt_kind kind;
        assert_int_equal(nb_record_decode(codec, tr.data, tr.len, &rec, &kind), NB_OK);
        nb_spec spec;
        if (nb_record_validate(&rec, &spec, &kind) != NB_OK)
            fail_msg("record %d: %s", count, nb_errmsg());
        assert_int_equal(spec.num_vertices * spec.num_vertices, (int)rec.adjacency_len);
        /* The sample's convention (realdata/nb101_real_sample.md). */
        assert_int_equal(rec.evaluations[0].present,
                         NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME);
        assert_false(rec.has_total_time);
        if (count < 3)
            check_ref17(&rec, count);
        int exact = -1;
        assert_int_equal(nb_record_is_canonical(codec, &rec, tr.data, tr.len, &exact), NB_OK);
        assert_int_equal(exact, 1);
        const uint8_t *p;
        size_t n;
        assert_int_equal(nb_record_encode(codec, &rec, &p, &n), NB_OK);
        assert_int_equal(n, tr.len);
        assert_memory_equal(p, tr.data, n);

        /* The general JSON path (forced by a leading space) reads the same. */
        char *spaced = malloc(tr.len + 1);
        spaced[0] = ' ';
        memcpy(spaced + 1, tr.data, tr.len);
        nb_record_codec *other;
        assert_int_equal(nb_record_codec_new(&other), NB_OK);
        nb_record slow;
        assert_int_equal(nb_record_decode(other, spaced, tr.len + 1, &slow, &kind), NB_OK);
        assert_true(slow.hash_len == rec.hash_len && slow.epochs == rec.epochs &&
                    slow.adjacency_len == rec.adjacency_len &&
                    slow.operations_len == rec.operations_len);
        assert_memory_equal(slow.hash, rec.hash, rec.hash_len);
        assert_memory_equal(slow.adjacency, rec.adjacency, rec.adjacency_len);
        assert_memory_equal(slow.operations, rec.operations, rec.operations_len);
        assert_int_equal(slow.num_evaluations, rec.num_evaluations);
        assert_memory_equal(slow.evaluations, rec.evaluations,
                            sizeof *rec.evaluations * (size_t)rec.num_evaluations);
        assert_int_equal(nb_record_is_canonical(other, &slow, spaced, tr.len + 1, &exact), NB_OK);
        assert_int_equal(exact, 0);
        nb_record_codec_free(other);
        free(spaced);

        /* protobuf-c's own packing agrees with the hand encoder here. */
        const char *b64 = (const char *)tr.data + tr.len - 2;
        while (b64[-1] != '"')
            b64--;
        uint8_t bin[512], packed[512];
        size_t blen;
        assert_int_equal(nb_base64_decode(b64, (size_t)((const char *)tr.data + tr.len - 2 - b64),
                                          bin, &blen),
                         NB_OK);
        Nasbench__ModelMetrics *m = nasbench__model_metrics__unpack(NULL, blen, bin);
        assert_non_null(m);
        assert_int_equal(nasbench__model_metrics__pack(m, packed), blen);
        assert_memory_equal(packed, bin, blen);
        nasbench__model_metrics__free_unpacked(m, NULL);
        count++;
    }
    assert_int_equal(got, 0);
    assert_int_equal(count, 105);
    nb_tfr_close(r);
}

/* Build a payload with the encoder from parts. */
static size_t make(const char *hash, int64_t epochs, const char *adj, const char *ops,
                   const nb_evaluation *evals, int n, char *out)
{
    nb_record rec = {.hash = hash, .hash_len = strlen(hash), .epochs = epochs,
                     .adjacency = adj, .adjacency_len = strlen(adj), .operations = ops,
                     .operations_len = strlen(ops), .num_evaluations = n, .evaluations = evals,
                     .has_trainable_parameters = 1, .trainable_parameters = 882570,
                     .has_total_time = 1, .total_time = 1234.5};
    const uint8_t *p;
    size_t len;
    assert_int_equal(nb_record_encode(codec, &rec, &p, &len), NB_OK);
    memcpy(out, p, len);
    out[len] = 0;
    return len;
}

static void test_python_json_layout(void **state)
{
    (void)state;
    char buf[1024];
    nb_evaluation e = {.present = NB_EVAL_CHECKPOINT_PATH, .checkpoint_path = ""};
    size_t n = make("043721b9c7fe8c5fad811d47d83132ec", 4, "0100", "input,output", &e, 1, buf);
    /* 0a 02 32 00 | 10 8a ef 35 | 19 + 1234.5 LE */
    assert_string_equal(buf, "[\"043721b9c7fe8c5fad811d47d83132ec\", 4, \"0100\", "
                             "\"input,output\", \"CgIyABCK7zUZAAAAAABKk0A=\"]");
    assert_int_equal(n, strlen(buf));
    /* Python: json.dumps(['é\n"\x01\x7f\U0001D11E/\\', 4]) */
    n = make("\xc3\xa9\n\"\x01\x7f\xf0\x9d\x84\x9e/\\", 4, "", "", NULL, 0, buf);
    assert_memory_equal(buf, "[\"\\u00e9\\n\\\"\\u0001\\u007f\\ud834\\udd1e/\\\\\", 4, ",
                        strlen("[\"\\u00e9\\n\\\"\\u0001\\u007f\\ud834\\udd1e/\\\\\", 4, "));
    /* Invalid UTF-8 cannot be encoded. */
    nb_record rec = {.hash = "\xff", .hash_len = 1};
    const uint8_t *p;
    assert_int_equal(nb_record_encode(codec, &rec, &p, &n), NB_EINVAL);
}

/* Presence survives the round trip: a field absent stays absent. */
static void test_presence_and_round_trip(void **state)
{
    (void)state;
    nb_evaluation ev[4] = {
        {.present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME},
        halfway0(),
        {.present = NB_EVAL_TEST_ACCURACY | NB_EVAL_CHECKPOINT_PATH, .test_accuracy = 0.5,
         .checkpoint_path = "gs://bucket/run/model.ckpt-16875"},
        {.present = 0},
    };
    char buf[2048];
    size_t n = make("abc", 108, "0100", "input,output", ev, 4, buf);
    nb_record rec;
    nb_corrupt_kind kind;
    assert_int_equal(nb_record_decode(codec, buf, n, &rec, &kind), NB_OK);
    assert_int_equal(rec.num_evaluations, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rec.evaluations[i].present, ev[i].present);
        assert_true(rec.evaluations[i].test_accuracy == ev[i].test_accuracy);
    }
    assert_string_equal(rec.evaluations[2].checkpoint_path, ev[2].checkpoint_path);
    assert_null(rec.evaluations[0].checkpoint_path);
    assert_true(rec.has_total_time && rec.total_time == 1234.5);
    int exact;
    assert_int_equal(nb_record_is_canonical(codec, &rec, buf, n, &exact), NB_OK);
    assert_int_equal(exact, 1);

    /* Negative int32 parameters: a 10-byte varint, still exact. */
    nb_record neg = rec;
    neg.trainable_parameters = -5;
    const uint8_t *p;
    size_t len;
    assert_int_equal(nb_record_encode(codec, &neg, &p, &len), NB_OK);
    char copy[2048];
    memcpy(copy, p, len);
    assert_int_equal(nb_record_decode(codec, copy, len, &rec, &kind), NB_OK);
    assert_int_equal(rec.trainable_parameters, -5);
    assert_int_equal(nb_record_is_canonical(codec, &rec, copy, len, &exact), NB_OK);
    assert_int_equal(exact, 1);
    neg.trainable_parameters = (int64_t)1 << 40;
    assert_int_equal(nb_record_encode(codec, &neg, &p, &len), NB_EINVAL);
}

static void expect_not_canonical(const char *payload)
{
    nb_record rec;
    nb_corrupt_kind kind;
    assert_int_equal(nb_record_decode(codec, payload, strlen(payload), &rec, &kind), NB_OK);
    int exact = -1;
    assert_int_equal(nb_record_is_canonical(codec, &rec, payload, strlen(payload), &exact), NB_OK);
    assert_int_equal(exact, 0);
}

static void test_not_canonical(void **state)
{
    (void)state;
    /* Other whitespace. */
    expect_not_canonical("[\"h\",4,\"0100\",\"input,output\",\"EAE=\"]");
    /* An escape where the writer would not use one. */
    expect_not_canonical("[\"\\u0068\", 4, \"0100\", \"input,output\", \"EAE=\"]");
    /* Non-zero padding bits in base64 (EAE= is 10 01; EAF= decodes the same). */
    expect_not_canonical("[\"h\", 4, \"0100\", \"input,output\", \"EAF=\"]");
    /* Protobuf: an unknown field 9 (varint), a repeated scalar, a long varint. */
    expect_not_canonical("[\"h\", 4, \"0100\", \"input,output\", \"EAFIAQ==\"]");
    expect_not_canonical("[\"h\", 4, \"0100\", \"input,output\", \"EAEQAg==\"]");
    expect_not_canonical("[\"h\", 4, \"0100\", \"input,output\", \"EIEA\"]");
    /* The canonical form of the same record is exact. */
    const char *ok = "[\"h\", 4, \"0100\", \"input,output\", \"EAE=\"]";
    nb_record rec;
    assert_int_equal(nb_record_decode(codec, ok, strlen(ok), &rec, NULL), NB_OK);
    int exact;
    assert_int_equal(nb_record_is_canonical(codec, &rec, ok, strlen(ok), &exact), NB_OK);
    assert_int_equal(exact, 1);
}

static void expect_decode_error(const char *payload, nb_corrupt_kind want, const char *prefix)
{
    nb_record rec;
    nb_corrupt_kind kind = NB_CORRUPT_NONE;
    assert_int_equal(nb_record_decode(codec, payload, strlen(payload), &rec, &kind),
                     NB_ECORRUPT);
    assert_int_equal(kind, want);
    if (strncmp(nb_errmsg(), prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", nb_errmsg(), prefix);
}

static void test_decode_errors(void **state)
{
    (void)state;
    expect_decode_error("", NB_CORRUPT_JSON, "bad JSON: ");
    expect_decode_error("[\"h\", 4, \"0100\"", NB_CORRUPT_JSON, "bad JSON: ");
    expect_decode_error("{}", NB_CORRUPT_SHAPE,
                        "bad shape: the row is not a JSON array of 5 elements");
    expect_decode_error("[\"h\", 4, \"0100\", \"input,output\"]", NB_CORRUPT_SHAPE,
                        "bad shape: the row is not a JSON array of 5 elements");
    expect_decode_error("[\"h\", \"4\", \"0100\", \"input,output\", \"\"]", NB_CORRUPT_SHAPE,
                        "bad shape: element 1 (epochs) is not a number");
    expect_decode_error("[\"h\", 4.5, \"0100\", \"input,output\", \"\"]", NB_CORRUPT_SHAPE,
                        "bad shape: element 1 (epochs) is not an integer");
    expect_decode_error("[\"h\", -4, \"0100\", \"input,output\", \"\"]", NB_CORRUPT_SHAPE,
                        "bad shape: element 1 (epochs) is not an integer");
    expect_decode_error("[\"h\", 2147483648, \"0100\", \"input,output\", \"\"]", NB_CORRUPT_SHAPE,
                        "bad shape: element 1 (epochs) is not an integer");
    expect_decode_error("[\"h\", 012, \"0100\", \"input,output\", \"\"]", NB_CORRUPT_JSON,
                        "bad JSON: ");
    expect_decode_error("[\"h\", 12, \"0100\", \"input,output\", \"\"] x", NB_CORRUPT_JSON,
                        "bad JSON: ");
    expect_decode_error("[\"h\", 12, \"0100\", \"input,output\", \"\"", NB_CORRUPT_JSON,
                        "bad JSON: ");
    expect_decode_error("[\"h\", 4, [], \"input,output\", \"\"]", NB_CORRUPT_SHAPE,
                        "bad shape: element 2 (adjacency) is not a string");
    expect_decode_error("[\"h\", 4, \"0100\", \"input,output\", \"EA?=\"]", NB_CORRUPT_BASE64,
                        "bad base64: invalid character at character 2");
    expect_decode_error("[\"h\", 4, \"0100\", \"input,output\", \"EAE\"]", NB_CORRUPT_BASE64,
                        "bad base64: length 3 is not a multiple of 4");
    /* 0x0a 0x05: a 5-byte submessage in a 2-byte buffer. */
    expect_decode_error("[\"h\", 4, \"0100\", \"input,output\", \"CgU=\"]", NB_CORRUPT_PROTOBUF,
                        "bad protobuf: ");
    /* Field 1 with wire type 0 (a varint where a message belongs). */
    expect_decode_error("[\"h\", 4, \"0100\", \"input,output\", \"CAE=\"]", NB_CORRUPT_PROTOBUF,
                        "bad protobuf: ");
    /* The empty message is a valid ModelMetrics with nothing set. */
    nb_record rec;
    const char *empty = "[\"h\", 4, \"0100\", \"input,output\", \"\"]";
    assert_int_equal(nb_record_decode(codec, empty, strlen(empty), &rec, NULL), NB_OK);
    assert_int_equal(rec.num_evaluations, 0);
    assert_false(rec.has_trainable_parameters);
}

static void expect_invalid(const char *hash, const char *adj, const char *ops,
                           nb_corrupt_kind want, const char *msg)
{
    nb_record rec = {.hash = hash, .hash_len = strlen(hash), .epochs = 4, .adjacency = adj,
                     .adjacency_len = strlen(adj), .operations = ops,
                     .operations_len = strlen(ops)};
    nb_corrupt_kind kind = NB_CORRUPT_NONE;
    nb_spec spec;
    assert_int_equal(nb_record_validate(&rec, &spec, &kind), NB_ECORRUPT);
    assert_int_equal(kind, want);
    if (strncmp(nb_errmsg(), msg, strlen(msg)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", nb_errmsg(), msg);
}

static void test_validate(void **state)
{
    (void)state;
    const char *h2 = "043721b9c7fe8c5fad811d47d83132ec";
    const char *h3 = "b49ac8c578b4561d79ac7087988f1c61"; /* input, conv3x3, output chain */
    nb_record ok = {.hash = h3, .hash_len = 32, .adjacency = "010001000",
                    .adjacency_len = 9, .operations = "input,conv3x3-bn-relu,output",
                    .operations_len = 28};
    nb_spec spec;
    assert_int_equal(nb_record_validate(&ok, &spec, NULL), NB_OK);
    assert_int_equal(spec.num_vertices, 3);

    expect_invalid(h2, "010", "input,output", NB_CORRUPT_NON_SQUARE,
                   "non-square adjacency: adjacency of 3 characters is not V*V");
    expect_invalid(h2, "", "input,output", NB_CORRUPT_NON_SQUARE, "non-square adjacency: ");
    expect_invalid(h3, "010001000", "input,conv5x5-bn-relu,output", NB_CORRUPT_UNKNOWN_OP,
                   "unknown op: op \"conv5x5-bn-relu\" at position 1");
    expect_invalid(h3, "010001000", "input,,output", NB_CORRUPT_UNKNOWN_OP,
                   "unknown op: op \"\" at position 1");
    expect_invalid(h3, "010001000", "input,output,output", NB_CORRUPT_BAD_SPEC,
                   "bad spec: op output at position 1 is misplaced");
    expect_invalid(h3, "010001000", "output,conv3x3-bn-relu,input", NB_CORRUPT_BAD_SPEC,
                   "bad spec: op output at position 0 is misplaced");
    expect_invalid(h3, "010001000", "input,output", NB_CORRUPT_BAD_SPEC,
                   "bad spec: 2 ops for 3 vertices");
    expect_invalid(h3, "010001000", "input,conv3x3-bn-relu,maxpool3x3,output",
                   NB_CORRUPT_BAD_SPEC, "bad spec: 4 ops for 3 vertices");
    expect_invalid(h2, "0", "input", NB_CORRUPT_BAD_SPEC,
                   "bad spec: op input at position 0 is misplaced");
    expect_invalid(h3, "010001100", "input,conv3x3-bn-relu,output", NB_CORRUPT_BAD_SPEC,
                   "bad spec: ");
    expect_invalid(h3, "010002000", "input,conv3x3-bn-relu,output", NB_CORRUPT_BAD_SPEC,
                   "bad spec: ");
    expect_invalid(h2, "010001000", "input,conv3x3-bn-relu,output", NB_CORRUPT_HASH_MISMATCH,
                   "hash mismatch: stored 043721b9c7fe8c5fad811d47d83132ec, computed "
                   "b49ac8c578b4561d79ac7087988f1c61");
    expect_invalid("B49AC8C578B4561D79AC7087988F1C61", "010001000", "input,conv3x3-bn-relu,output",
                   NB_CORRUPT_HASH_MISMATCH, "hash mismatch: stored B49AC8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protobuf_bytes_of_1_4),
        cmocka_unit_test(test_real_sample_round_trip),
        cmocka_unit_test(test_python_json_layout),
        cmocka_unit_test(test_presence_and_round_trip),
        cmocka_unit_test(test_not_canonical),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_validate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
