#!/usr/bin/env bash
# The main job end to end: install what is missing, build, write the bundled
# SYNTHETIC sample in the original TFRecord format, convert it into SQLite,
# query it and print the results; then the same with the real published runs
# of ../shared/realdata when present. Works on a fresh Debian 12 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
nb=./build/nasbench
out=build/demo
mkdir -p "$out"
rm -f "$out/sample.db" "$out/sample.db-wal" "$out/sample.db-shm"

step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}" >&2; "${@:2}"; }

step "write the sample: the 5,000 smallest module hashes, 4 budgets x 3 repeats (synthetic numbers)" \
    $nb synth "$out/sample.tfrecord" --modules 5000 --seed 1
step "convert it (every CRC, payload and hash checked)" \
    $nb convert "$out/sample.db" "$out/sample.tfrecord"
step "what the database holds" $nb info "$out/sample.db"
step "query the first module of NAS-Bench-101 at 108 epochs (seeded random repeat, as the original API)" \
    $nb query "$out/sample.db" --matrix 0100110001000000010010000010000001000000010000000 \
    --ops input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output \
    --epochs 108 --seed 0
step "the 5 best modules by mean final validation accuracy at 108 epochs" \
    $nb top "$out/sample.db" --by final_validation_accuracy --epochs 108 -n 5 --mean
step "the same question in plain SQL, through the module_stats view" \
    sqlite3 -header -column "$out/sample.db" \
    "SELECT hash, num_vertices, trainable_parameters, repeats, mean_final_validation_accuracy
       FROM module_stats WHERE epochs = 108
      ORDER BY mean_final_validation_accuracy DESC LIMIT 5;"
printf '\nThe accuracies and times above are SYNTHETIC (nasbench synth); the modules,\n' >&2
printf 'hashes and parameter counts are real. Convert nasbench_only108.tfrecord or\n' >&2
printf 'nasbench_full.tfrecord the same way for the real dataset (see README).\n' >&2

# Real numbers: the 105 published runs of ../shared/realdata, when that folder
# is beside the checkout (it is not part of the repository).
real=../shared/realdata/nb101_real_sample.tfrecord
[ -f "$real" ] || exit 0
rm -f "$out/real.db"
step "REAL numbers: convert the 105 published runs of $real" \
    $nb convert "$out/real.db" "$real"
step "query the README's Inception-like cell (given in another vertex order: same module)" \
    $nb query "$out/real.db" \
    --matrix '[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]' \
    --ops input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output \
    --epochs 108 --seed 0
step "the 3 best of its 32 modules by mean final test accuracy at 108 epochs" \
    $nb top "$out/real.db" --by final_test_accuracy --epochs 108 -n 3 --mean
