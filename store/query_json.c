/* JSON output of query results and module statistics, with the original
 * key names and shortest round-trip doubles (NaN, i.e. NULL, as null). */
#include "nb_query_internal.h"

#include <inttypes.h>

#include "nb_json.h"

static void put_double(FILE *out, double v)
{
    char buf[40];
    fputs(nb_json_fmt_double(v, buf), out);
}

static void put_params(FILE *out, int64_t params)
{
    if (params < 0)
        fputs("null", out);
    else
        fprintf(out, "%" PRId64, params);
}

/* "module_adjacency": [[...]], "module_operations": [...], "trainable_parameters": N */
static void put_fixed(FILE *out, const nb_spec *module, int64_t params)
{
    char matrix[1024], ops[1024];
    nb_spec_matrix_pyjson(module, matrix, sizeof matrix);
    nb_spec_ops_pyjson(module, ops, sizeof ops);
    fprintf(out, "\"module_adjacency\": %s, \"module_operations\": %s, \"trainable_parameters\": ",
            matrix, ops);
    put_params(out, params);
}

void nb_query_result_write_json(FILE *out, const nb_query_result *r)
{
    fputc('{', out);
    put_fixed(out, &r->module, r->trainable_parameters);
    fputs(", \"training_time\": ", out);
    put_double(out, r->training_time);
    fputs(", \"train_accuracy\": ", out);
    put_double(out, r->train_accuracy);
    fputs(", \"validation_accuracy\": ", out);
    put_double(out, r->validation_accuracy);
    fputs(", \"test_accuracy\": ", out);
    put_double(out, r->test_accuracy);
    if (r->repeat == NB_REPEAT_MEAN)
        fprintf(out, ", \"repeat\": \"mean\", \"num_repeats\": %d", r->num_repeats);
    else
        fprintf(out, ", \"repeat\": %d", r->repeat);
    fprintf(out, ", \"hash\": \"%s\"}", r->hash);
}

static void put_point(FILE *out, const nb_data_point *p)
{
    static const char *const keys[8] = {
        "halfway_training_time", "halfway_train_accuracy", "halfway_validation_accuracy",
        "halfway_test_accuracy", "final_training_time",    "final_train_accuracy",
        "final_validation_accuracy", "final_test_accuracy"};
    const double v[8] = {p->halfway_training_time,      p->halfway_train_accuracy,
                         p->halfway_validation_accuracy, p->halfway_test_accuracy,
                         p->final_training_time,        p->final_train_accuracy,
                         p->final_validation_accuracy,  p->final_test_accuracy};
    for (int k = 0; k < 8; k++) {
        fprintf(out, "%s\"%s\": ", k ? ", " : "{", keys[k]);
        put_double(out, v[k]);
    }
    fputc('}', out);
}

void nb_module_stats_write_json(FILE *out, const nb_module_stats *s)
{
    fprintf(out, "{\"hash\": \"%s\", \"fixed\": {", s->hash);
    put_fixed(out, &s->module, s->trainable_parameters);
    fputs("}, \"computed\": {", out);
    for (int b = 0; b < s->num_budgets; b++) {
        const nb_budget_stats *bs = &s->budgets[b];
        fprintf(out, "%s\"%d\": [", b ? ", " : "", bs->epochs);
        for (int i = 0; i < bs->num_repeats; i++) {
            if (i)
                fputs(", ", out);
            put_point(out, &bs->repeats[i]);
        }
        fputc(']', out);
    }
    fputs("}}", out);
}
