#!/usr/bin/env bash
# `cmake --install` puts the library, the public headers, the command line and
# a pkg-config file in a prefix, and a program outside the tree builds
# against them with pkg-config alone.
# usage: install.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
BUILD=$4
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$WORK/prefix" >"$WORK/install.log"
[[ -x "$WORK/prefix/bin/nasbench" ]] || fail "no bin/nasbench"
[[ -f "$WORK/prefix/include/nasbench/spec.h" ]] || fail "no include/nasbench/spec.h"
pc=$(find "$WORK/prefix" -name nasbench.pc | head -1)
[[ -n "$pc" ]] || fail "no nasbench.pc"

cat >"$WORK/user.c" <<'C'
#include <stdio.h>
#include <nasbench/error.h>
#include <nasbench/spec.h>
int main(void)
{
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
    int rc = nb_spec_parse(&spec, "0100110001000000010010000010000001000000010000000",
        "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output");
    if (rc == NB_OK)
        rc = nb_spec_resolve(&spec, NULL, hash);
    if (rc != NB_OK) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    puts(hash);
    return 0;
}
C
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$WORK/user" "$WORK/user.c" $(pkg-config --cflags --libs nasbench)
[[ $("$WORK/user") == 00005c142e6f48ac74fdcf73e3439874 ]] || fail "installed library gives a wrong hash"
"$WORK/prefix/bin/nasbench" --version >/dev/null || fail "installed nasbench does not run"
echo "install ok"
