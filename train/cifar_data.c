/* The six CIFAR-10 files of a directory, split as the original used them
 * (reference, section 7.1): training = data_batch_1..4, train accuracy on
 * data_batch_1, validation = data_batch_5, test = test_batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_train.h"

const char *const nb_cifar_file_names[NB_CIFAR_FILES] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};

void nb_train_data_close(nb_train_data *d)
{
    if (!d)
        return;
    nb_cifar_free(&d->train);
    nb_cifar_free(&d->train_eval);
    nb_cifar_free(&d->valid);
    nb_cifar_free(&d->test);
    free(d->dir);
    free(d);
}

/* Reads file i of the directory into split, keeping at most max images, and
 * requires at least `need` of them (need < 0: no requirement). */
static int read_file(nb_train_data *d, int i, nb_cifar_split *split, int max, int need,
                     const char *what)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", d->dir, nb_cifar_file_names[i]);
    int before = split->count;
    int rc = nb_cifar_read(path, max, split, d->sha256[i]);
    if (rc != NB_OK)
        return rc;
    if (need >= 0 && split->count - before < need)
        return nb_seterr(NB_ECORRUPT, "%s: %d images, the %s needs %d", path,
                         split->count - before, what, need);
    return NB_OK;
}

int nb_train_data_open(const char *dir, const nb_train_config *c, nb_train_data **out)
{
    *out = NULL;
    if (c->train_images < 1 || c->eval_images < 1)
        return nb_seterr(NB_EINVAL, "training and evaluation image counts must be positive");
    nb_train_data *d = calloc(1, sizeof *d);
    if (d) /* the provenance wants the absolute path */
        d->dir = realpath(dir, NULL);
    if (d && !d->dir)
        d->dir = strdup(dir);
    if (!d || !d->dir) {
        free(d);
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    int rc = NB_OK;
    /* training images: the first train_images of batches 1..4 in order;
     * every file is read whole anyway, for its SHA-256 */
    for (int i = 0; i < 4 && rc == NB_OK; i++) {
        int left = c->train_images - d->train.count;
        rc = read_file(d, i, &d->train, left, -1, "training set");
    }
    if (rc == NB_OK && d->train.count < c->train_images)
        rc = nb_seterr(NB_ECORRUPT, "%s: data_batch_1..4.bin hold %d images, training needs %d",
                       dir, d->train.count, c->train_images);
    if (rc == NB_OK)
        rc = read_file(d, 0, &d->train_eval, c->eval_images, c->eval_images,
                       "train-accuracy evaluation");
    if (rc == NB_OK)
        rc = read_file(d, 4, &d->valid, c->eval_images, c->eval_images, "validation");
    if (rc == NB_OK)
        rc = read_file(d, 5, &d->test, c->eval_images, c->eval_images, "test");
    if (rc != NB_OK) {
        nb_train_data_close(d);
        return rc;
    }
    *out = d;
    return NB_OK;
}
