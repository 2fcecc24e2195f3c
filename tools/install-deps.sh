#!/usr/bin/env bash
# Installs the Debian packages nasbench needs to build and test, when they are
# missing. Non-interactive; run as root (or with sudo available).
# Usage: tools/install-deps.sh [--with-fuzz]   (--with-fuzz adds clang for libFuzzer)
set -euo pipefail

packages=(cmake make gcc pkg-config libsqlite3-dev sqlite3 libprotobuf-c-dev protobuf-c-compiler
          libzstd-dev zstd libopenblas-dev libcmocka-dev python3 python3-numpy)
if [[ "${1:-}" == "--with-fuzz" ]]; then
    packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present" >&2
    exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
