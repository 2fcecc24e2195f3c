/*
 * Internal: building a spec from already-parsed JSON values (the hash
 * --jsonl reader, the converter's JSON inputs). Not installed.
 */
#ifndef NB_SPEC_JSON_H
#define NB_SPEC_JSON_H

#include "nasbench/spec.h"
#include "nb_json.h"

/* `matrix` is a JSON array of rows or a JSON string holding the row-major
 * bit string; `ops` is a JSON array of strings or a JSON string holding
 * comma-separated names. Same checks and codes as nb_spec_parse. */
int nb_spec_from_json(nb_spec *spec, const nb_json *matrix, const nb_json *ops);

#endif
