#!/usr/bin/env bash
# The whole enumeration against the original generator, bit for bit: the
# original generate_graphs.py writes one JSON object {hash: [matrix, labels]}
# with sorted keys (92,799,846 bytes, SHA-256 b62900d1...). Rebuilding that
# object from `nasbench generate` must give the same bytes, which proves every
# one of the 423,624 canonical representatives and hashes.
# usage: generate_original.sh NASBENCH SOURCE_DIR SHARED_DIR BUILD_DIR
set -euo pipefail
NB=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$NB" generate >"$WORK/modules.jsonl" 2>"$WORK/table"
python3 - "$WORK/modules.jsonl" <<'PY'
import hashlib, json, sys
labels = {"input": -1, "output": -2, "conv3x3-bn-relu": 0, "conv1x1-bn-relu": 1, "maxpool3x3": 2}
modules = {}
with open(sys.argv[1]) as f:
    for line in f:
        m = json.loads(line)
        assert m["hash"] not in modules, "duplicate hash " + m["hash"]
        modules[m["hash"]] = [m["matrix"], [labels[o] for o in m["ops"]]]
text = json.dumps(modules, sort_keys=True).encode()
digest = hashlib.sha256(text).hexdigest()
want = "b62900d1b8b3b850df432da5dce9e7a9248655bba8ada9f03e54cdcc6487a39a"
if len(modules) != 423624 or len(text) != 92799846 or digest != want:
    sys.exit("FAIL: %d modules, %d bytes, sha256 %s (want 423624, 92799846, %s)"
             % (len(modules), len(text), digest, want))
print("generate matches the original generator: 423624 modules, sha256", digest)
PY
