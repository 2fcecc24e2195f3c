#!/usr/bin/env bash
# The Python baseline of the original NAS-Bench-101 query path
# (tests/bench_original_query.py) against nasbench query / nasbench hash on a
# small synthetic database (every module of up to 5 vertices): 500 timed
# queries, then --check (values, seeded repeats, budget counters, hashes of
# permuted and pruned specs, errors). Exits 77 (skipped) without a python3
# that has numpy: python3 on PATH first, then Debian's /usr/bin/python3.
set -euo pipefail
NB=$1 SRC=$2
PY=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' >/dev/null 2>&1; then
    PY=$p
    break
  fi
done
if [ -z "$PY" ]; then
  echo "SKIP: no python3 with numpy" >&2
  exit 77
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$NB" synth "$W/small.tfrecord" --max-vertices 5 >/dev/null
"$NB" convert "$W/small.db" "$W/small.tfrecord" >/dev/null
"$PY" "$SRC/tests/bench_original_query.py" "$W/small.db" --queries 500 --rounds 1 --check "$NB"
