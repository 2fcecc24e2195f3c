/* libFuzzer target: spec parsing, pruning, the in-space check, the hash and
 * the JSON-lines path must never crash or read out of bounds on any input.
 * The input is split at the first newline into matrix text and ops text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/spec.h"
#include "nb_json.h"
#include "nb_spec_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const nb_spec *spec)
{
    nb_spec pruned;
    char hash[NB_HASH_HEX + 1], text[4096];
    int channels[NB_MAX_VERTICES];
    int64_t params;
    nb_spec_adjacency_bits(spec, text, sizeof text);
    nb_spec_ops_pyjson(spec, text, sizeof text);
    if (nb_spec_prune(spec, &pruned) == 0) {
        nb_spec_check(&pruned);
        nb_spec_hash(&pruned, hash);
        nb_spec_hash_many(&pruned, 1, (char(*)[NB_HASH_HEX + 1])hash);
        nb_vertex_channels(&pruned, 128, 256, channels);
        nb_spec_trainable_parameters(&pruned, NULL, &params);
    }
    nb_spec_resolve(spec, NULL, hash);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *ops = "";
    if (nl) {
        *nl = '\0';
        ops = nl + 1;
    }
    nb_spec spec;
    if (nb_spec_parse(&spec, text, ops) == 0)
        exercise(&spec);
    /* the same bytes as one JSON line of hash --jsonl */
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *root;
    if (doc && nb_json_parse(doc, (const char *)data, size, &root) == 0 &&
        root->type == NB_JSON_OBJECT &&
        nb_spec_from_json(&spec, nb_json_get(root, "matrix"), nb_json_get(root, "ops")) == 0)
        exercise(&spec);
    nb_json_doc_free(doc);
    free(text);
    return 0;
}
