#!/usr/bin/env python3
"""Baseline: the ORIGINAL NAS-Bench-101 Python query path, timed per query.

Issue 4 asks for our in-process C query to be at least 50 times faster than
the original Python API (google-research/nasbench: nasbench/api.py,
nasbench/lib/model_spec.py, nasbench/lib/graph_util.py) on the same data.
The original needs TensorFlow 1 only to read the TFRecord when it loads;
its query path is plain Python + numpy. This script rebuilds that query path
as the original code behaves (written from ../shared/reference/NASBENCH101.md,
sections 2, 3.1, 4.1-4.3 and 4.6), doing the same per-query work:

  ModelSpec(matrix, ops)   np.array of the user's lists, structural checks
                           (square, ops length, upper triangular, element by
                           element), copy.deepcopy of matrix and ops, pruning
                           by two DFS (from the input, to the output) and
                           np.delete of the extraneous rows/columns
  query(spec, epochs)      budget check, _check_spec (vertices, np.sum edges,
                           op names), hash_spec (hashlib.md5 over str() of
                           (out, in, label) tuples, V rounds of sorted
                           neighbour hashes joined with '|', md5 of
                           str(sorted(hashes))), get_metrics_from_hash =
                           copy.deepcopy of the fixed statistics AND of all
                           the module's computed statistics (every budget,
                           every repeat: the original copies the whole
                           per-hash dict, then picks one run),
                           random.randint(0, num_repeats - 1), the
                           stop_halfway choice and the budget counters.

Only loading differs: instead of the TFRecord it reads a database made by
`nasbench convert` (sql/schema.sql) with sqlite3, into the original's dict
structures (fixed_statistics / computed_statistics). Loading is reported
separately and is not what is measured.

usage: bench_original_query.py DB [--queries N] [--seed S] [--epochs E]
                               [--rounds R] [--check NASBENCH_BINARY]

Timed: N queries of modules picked at random (seeded) from DB, each given as
the user gives it (lists of lists + list of op names, the stored canonical
spec): ModelSpec(...) + query(...), CPU time (time.process_time), after an
untimed warm-up; the median of R rounds (default 3) is reported. Both
halves are also timed apart, for reference.

--check: also compare with the C tool, query by query (`nasbench query DB
--jsonl --seed S`, the same draws as Python's random.seed(S)) and hash by
hash (`nasbench hash`), on specs that are canonical, permuted and padded with
a vertex that pruning removes, and out of the search space. Exit 1 on the
first difference. Exit 77 when numpy is missing.
"""

import argparse
import copy
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

try:
    import numpy as np
except ImportError:
    # A python3 of its own (pyenv, a venv) may come first on PATH; Debian's
    # has the python3-numpy that tools/install-deps.sh installs.
    if os.path.realpath(sys.executable) != os.path.realpath('/usr/bin/python3') and \
            os.access('/usr/bin/python3', os.X_OK):
        os.execv('/usr/bin/python3', ['/usr/bin/python3'] + sys.argv)
    print("bench_original_query: numpy is not available for %s; skipped" % sys.executable,
          file=sys.stderr)
    sys.exit(77)


# nasbench/lib/config.py values used by the query path.
CONFIG = {
    'module_vertices': 7,
    'max_edges': 9,
    'available_ops': ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'],
    'num_repeats': 3,
}


class OutOfDomainError(Exception):
    """A spec or budget outside the dataset (the original's exception)."""


# --------------------------------------------------------------------------
# lib/graph_util.py: the module hash (reference section 3.1).

def is_upper_triangular(matrix):
    """True iff the matrix is zero on and below the diagonal (element by element)."""
    for src in range(np.shape(matrix)[0]):
        for dst in range(0, src + 1):
            if matrix[src, dst] != 0:
                return False
    return True


def hash_module(matrix, labeling):
    """Weisfeiler-Lehman style MD5 hash of a pruned matrix and its labels."""
    vertices = np.shape(matrix)[0]
    in_edges = np.sum(matrix, axis=0).tolist()
    out_edges = np.sum(matrix, axis=1).tolist()
    assert len(in_edges) == len(out_edges) == len(labeling)
    # str() of a Python tuple: '(out, in, label)'.
    hashes = [hashlib.md5(str(t).encode('utf-8')).hexdigest()
              for t in zip(out_edges, in_edges, labeling)]
    for _ in range(vertices):
        new_hashes = []
        for v in range(vertices):
            preds = [hashes[w] for w in range(vertices) if matrix[w, v]]
            succs = [hashes[w] for w in range(vertices) if matrix[v, w]]
            text = ''.join(sorted(preds)) + '|' + ''.join(sorted(succs)) + '|' + hashes[v]
            new_hashes.append(hashlib.md5(text.encode('utf-8')).hexdigest())
        hashes = new_hashes
    return hashlib.md5(str(sorted(hashes)).encode('utf-8')).hexdigest()


# --------------------------------------------------------------------------
# lib/model_spec.py (reference sections 2.1 and 2.2).

class ModelSpec(object):
    """A model spec: copies the user's matrix and ops, checks and prunes them."""

    def __init__(self, matrix, ops, data_format='channels_last'):
        if not isinstance(matrix, np.ndarray):
            matrix = np.array(matrix)
        shape = np.shape(matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError('matrix must be square')
        if shape[0] != len(ops):
            raise ValueError('length of ops must match matrix dimensions')
        if not is_upper_triangular(matrix):
            raise ValueError('matrix must be upper triangular')

        # Deep copies, so that later changes by the caller are not seen.
        self.original_matrix = copy.deepcopy(matrix)
        self.original_ops = copy.deepcopy(ops)
        self.matrix = copy.deepcopy(matrix)
        self.ops = copy.deepcopy(ops)
        self.valid_spec = True
        self._prune()
        self.data_format = data_format

    def _prune(self):
        """Removes the vertices not on a path from the input to the output."""
        num_vertices = np.shape(self.original_matrix)[0]

        # Depth-first search forward from the input.
        from_input = set([0])
        stack = [0]
        while stack:
            top = stack.pop()
            for v in range(top + 1, num_vertices):
                if self.original_matrix[top, v] and v not in from_input:
                    from_input.add(v)
                    stack.append(v)

        # Depth-first search backward from the output.
        to_output = set([num_vertices - 1])
        stack = [num_vertices - 1]
        while stack:
            top = stack.pop()
            for v in range(0, top):
                if self.original_matrix[v, top] and v not in to_output:
                    to_output.add(v)
                    stack.append(v)

        extraneous = set(range(num_vertices)).difference(from_input.intersection(to_output))

        # Fewer than 2 vertices left: the input does not reach the output.
        if len(extraneous) > num_vertices - 2:
            self.matrix = None
            self.ops = None
            self.valid_spec = False
            return

        self.matrix = np.delete(self.matrix, list(extraneous), axis=0)
        self.matrix = np.delete(self.matrix, list(extraneous), axis=1)
        for index in sorted(extraneous, reverse=True):
            del self.ops[index]

    def hash_spec(self, canonical_ops):
        """The module hash of the pruned spec (labels from canonical_ops)."""
        labeling = [-1] + [canonical_ops.index(op) for op in self.ops[1:-1]] + [-2]
        return hash_module(self.matrix, labeling)


# --------------------------------------------------------------------------
# api.py: loading (4.1), query (4.2), counters (4.3), random repeat (4.6).

class NASBench(object):
    """The original API's state, loaded from a nasbench SQLite database."""

    def __init__(self, db_path, seed=None):
        self.config = CONFIG
        random.seed(seed)
        self.fixed_statistics = {}
        self.computed_statistics = {}
        self.valid_epochs = set()
        self.repeat_mismatches = 0
        self._load(db_path)
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0

    def _load(self, db_path):
        con = sqlite3.connect('file:%s?mode=ro' % db_path, uri=True)
        try:
            modules = {}
            for mid, h, adj, ops, params in con.execute(
                    'SELECT id, hash, adjacency, operations, trainable_parameters FROM modules'):
                modules[mid] = (h, adj, ops, params)
            # One row per run, in record order (runs.id), with its halfway (1)
            # and final (2) evaluations: the rows the original read from the file.
            rows = con.execute(
                'SELECT r.id, r.module_id, r.epochs, r.repeat, '
                ' h.training_time, h.train_accuracy, h.validation_accuracy, h.test_accuracy, '
                ' f.training_time, f.train_accuracy, f.validation_accuracy, f.test_accuracy, '
                ' h.run_id IS NULL OR f.run_id IS NULL '
                'FROM runs r '
                'LEFT JOIN evaluations h ON h.run_id = r.id AND h.checkpoint = 1 '
                'LEFT JOIN evaluations f ON f.run_id = r.id AND f.checkpoint = 2 '
                'ORDER BY r.id')
            fixed = self.fixed_statistics
            computed = self.computed_statistics
            for (run_id, mid, epochs, repeat, ht, htr, hva, hte, ft, ftr, fva, fte,
                 missing) in rows:
                if missing:
                    # evaluation_data[1] or [2] absent: the original loader fails.
                    raise RuntimeError('run %d lacks its halfway or final evaluation' % run_id)
                module_hash, raw_adjacency, raw_operations, params = modules[mid]
                if module_hash not in fixed:
                    dim = int(np.sqrt(len(raw_adjacency)))
                    adjacency = np.array([int(e) for e in list(raw_adjacency)], dtype=np.int8)
                    adjacency = np.reshape(adjacency, (dim, dim))
                    fixed[module_hash] = {
                        'module_adjacency': adjacency,
                        'module_operations': raw_operations.split(','),
                        # A missing protobuf field reads as 0 in the original.
                        'trainable_parameters': int(params or 0),
                    }
                    computed[module_hash] = {}
                self.valid_epochs.add(epochs)
                if epochs not in computed[module_hash]:
                    computed[module_hash][epochs] = []
                runs = computed[module_hash][epochs]
                if repeat != len(runs):
                    self.repeat_mismatches += 1
                # A missing optional double reads as 0.0 in the original.
                runs.append({
                    'halfway_training_time': ht or 0.0,
                    'halfway_train_accuracy': htr or 0.0,
                    'halfway_validation_accuracy': hva or 0.0,
                    'halfway_test_accuracy': hte or 0.0,
                    'final_training_time': ft or 0.0,
                    'final_train_accuracy': ftr or 0.0,
                    'final_validation_accuracy': fva or 0.0,
                    'final_test_accuracy': fte or 0.0,
                })
        finally:
            con.close()

    def query(self, model_spec, epochs=108, stop_halfway=False):
        if epochs not in self.valid_epochs:
            raise OutOfDomainError('invalid number of epochs, must be one of %s'
                                   % self.valid_epochs)
        fixed_stat, computed_stat = self.get_metrics_from_spec(model_spec)
        sampled_index = random.randint(0, self.config['num_repeats'] - 1)
        computed_stat = computed_stat[epochs][sampled_index]

        data = {}
        data['module_adjacency'] = fixed_stat['module_adjacency']
        data['module_operations'] = fixed_stat['module_operations']
        data['trainable_parameters'] = fixed_stat['trainable_parameters']
        if stop_halfway:
            data['training_time'] = computed_stat['halfway_training_time']
            data['train_accuracy'] = computed_stat['halfway_train_accuracy']
            data['validation_accuracy'] = computed_stat['halfway_validation_accuracy']
            data['test_accuracy'] = computed_stat['halfway_test_accuracy']
        else:
            data['training_time'] = computed_stat['final_training_time']
            data['train_accuracy'] = computed_stat['final_train_accuracy']
            data['validation_accuracy'] = computed_stat['final_validation_accuracy']
            data['test_accuracy'] = computed_stat['final_test_accuracy']

        self.training_time_spent += data['training_time']
        if stop_halfway:
            self.total_epochs_spent += epochs // 2
        else:
            self.total_epochs_spent += epochs
        return data

    def is_valid(self, model_spec):
        try:
            self._check_spec(model_spec)
        except OutOfDomainError:
            return False
        return True

    def get_budget_counters(self):
        return self.training_time_spent, self.total_epochs_spent

    def reset_budget_counters(self):
        self.training_time_spent = 0.0
        self.total_epochs_spent = 0

    def hash_iterator(self):
        return self.fixed_statistics.keys()

    def get_metrics_from_hash(self, module_hash):
        # The whole per-hash dict is deep-copied (all budgets, all repeats).
        fixed_stat = copy.deepcopy(self.fixed_statistics[module_hash])
        computed_stat = copy.deepcopy(self.computed_statistics[module_hash])
        return fixed_stat, computed_stat

    def get_metrics_from_spec(self, model_spec):
        self._check_spec(model_spec)
        module_hash = self._hash_spec(model_spec)
        return self.get_metrics_from_hash(module_hash)

    def _check_spec(self, model_spec):
        if not model_spec.valid_spec:
            raise OutOfDomainError('invalid spec, provided graph is disconnected.')
        num_vertices = len(model_spec.ops)
        num_edges = np.sum(model_spec.matrix)
        if num_vertices > self.config['module_vertices']:
            # The original formats this message with its config *module*
            # instead of self.config, so it raises TypeError, not
            # OutOfDomainError (reference 4.4). Reproduced as it behaves.
            raise TypeError("'module' object is not subscriptable")
        if num_edges > self.config['max_edges']:
            raise OutOfDomainError('too many edges, got %d (max edges = %d)'
                                   % (num_edges, self.config['max_edges']))
        if model_spec.ops[0] != 'input':
            raise OutOfDomainError('first operation should be \'input\'')
        if model_spec.ops[-1] != 'output':
            raise OutOfDomainError('last operation should be \'output\'')
        for op in model_spec.ops[1:-1]:
            if op not in self.config['available_ops']:
                raise OutOfDomainError('unsupported op %s (available ops = %s)'
                                       % (op, self.config['available_ops']))

    def _hash_spec(self, model_spec):
        return model_spec.hash_spec(self.config['available_ops'])


# --------------------------------------------------------------------------
# Measurement.

def pick_specs(api, n, rng):
    """n canonical specs (lists of lists, list of str), picked with replacement."""
    hashes = list(api.hash_iterator())
    specs = []
    for _ in range(n):
        fixed = api.fixed_statistics[hashes[rng.randrange(len(hashes))]]
        specs.append((fixed['module_adjacency'].tolist(), list(fixed['module_operations'])))
    return specs


def measure(api, specs, seed, epochs):
    """CPU seconds over specs: ModelSpec + query; then ModelSpec alone, query alone.

    An untimed warm-up pass (up to 1,000 queries) comes first, so that the
    first timed queries do not pay for Python's first-use costs: if anything
    this favours the baseline.
    """
    random.seed(seed)
    for matrix, ops in specs[:1000]:
        api.query(ModelSpec(matrix=matrix, ops=ops), epochs=epochs)

    random.seed(seed)
    api.reset_budget_counters()
    t0 = time.process_time()
    for matrix, ops in specs:
        api.query(ModelSpec(matrix=matrix, ops=ops), epochs=epochs)
    full = time.process_time() - t0

    t0 = time.process_time()
    prebuilt = [ModelSpec(matrix=m, ops=o) for m, o in specs]
    spec_only = time.process_time() - t0

    random.seed(seed)
    api.reset_budget_counters()
    t0 = time.process_time()
    for spec in prebuilt:
        api.query(spec, epochs=epochs)
    query_only = time.process_time() - t0
    api.reset_budget_counters()
    return full, spec_only, query_only


# --------------------------------------------------------------------------
# --check: the same answers as the C tool.

class CheckFailed(Exception):
    pass


def permuted_with_extra(matrix, ops, rng):
    """An isomorphic relabelling of a canonical spec plus one vertex that pruning removes.

    The order is a random topological order (so the matrix stays upper
    triangular; the input stays first and the output last, being the only
    source and sink of a pruned spec). The extra vertex is an island, a dead
    end (an edge in, none out) or unreachable (an edge out, none in).
    """
    v = len(matrix)
    order, placed = [], set()
    while len(order) < v:
        ready = [x for x in range(v) if x not in placed
                 and all(not matrix[u][x] or u in placed for u in range(v))]
        x = rng.choice(ready)
        order.append(x)
        placed.add(x)
    m = [[matrix[order[i]][order[j]] for j in range(v)] for i in range(v)]
    o = [ops[order[i]] for i in range(v)]
    pos = rng.randint(1, v - 1)          # between the input and the output
    for row in m:
        row.insert(pos, 0)
    m.insert(pos, [0] * (v + 1))
    o.insert(pos, rng.choice(CONFIG['available_ops'] + ['identity']))
    kind = rng.choice(['island', 'dead end', 'unreachable'])
    if kind == 'dead end':
        m[rng.randint(0, pos - 1)][pos] = 1
    elif kind == 'unreachable':
        m[pos][rng.randint(pos + 1, v)] = 1
    return m, o


def out_of_space_specs():
    """Specs that fail, with what each side is expected to say."""
    conv = 'conv3x3-bn-relu'
    chain8 = [[1 if j == i + 1 else 0 for j in range(8)] for i in range(8)]
    dense7 = [[1 if j > i else 0 for j in range(7)] for i in range(7)]  # 21 edges
    return [
        ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], ['input', conv, 'output']),     # disconnected
        (dense7, ['input'] + [conv] * 5 + ['output']),                      # too many edges
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ['input', 'identity', 'output']),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ['in', conv, 'output']),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ['input', conv, 'out']),
        (chain8, ['input'] + [conv] * 6 + ['output']),                      # 8 vertices
        ([[0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0],
          [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1],
          [0] * 7], ['input'] + [conv] * 5 + ['output']),                   # maybe not stored
    ]


def python_answer(api, matrix, ops, epochs, stop_halfway):
    """('ok', data, hash) or ('error', kind, message)."""
    try:
        spec = ModelSpec(matrix=matrix, ops=ops)
    except ValueError as e:
        return ('error', 'invalid', str(e))
    try:
        data = api.query(spec, epochs=epochs, stop_halfway=stop_halfway)
    except OutOfDomainError as e:
        return ('error', 'domain', str(e))
    except TypeError as e:
        return ('error', 'typeerror', str(e))
    except KeyError as e:
        return ('error', 'notfound', str(e))
    return ('ok', data, api._hash_spec(spec))


def run_c(cmd, lines):
    p = subprocess.run(cmd, input=''.join(json.dumps(x) + '\n' for x in lines),
                       capture_output=True, text=True)
    out = [json.loads(s) for s in p.stdout.splitlines()]
    return p.returncode, out, p.stderr


def check_queries(api, nb, db, specs, seed, epochs, stop_halfway):
    """One seeded --jsonl batch: every answer, every draw and the counters."""
    cmd = [nb, 'query', db, '--jsonl', '--seed', str(seed), '--epochs', str(epochs),
           '--counters'] + (['--stop-halfway'] if stop_halfway else [])
    rc, out, err = run_c(cmd, [{'matrix': m, 'ops': o} for m, o in specs])
    if rc not in (0, 5, 6) or len(out) != len(specs) + 1:
        raise CheckFailed('%s: exit %d, %d lines for %d specs: %s'
                          % (' '.join(cmd), rc, len(out), len(specs), err.strip()))
    random.seed(seed)
    api.reset_budget_counters()
    answers = [python_answer(api, m, o, epochs, stop_halfway) for m, o in specs]
    py_counters = api.get_budget_counters()
    api.reset_budget_counters()
    random.seed(seed)
    draws = iter([random.randint(0, CONFIG['num_repeats'] - 1)
                  for a in answers if a[0] == 'ok'])
    what = 'epochs %d%s' % (epochs, ', stop_halfway' if stop_halfway else '')
    keys = ['module_adjacency', 'module_operations', 'trainable_parameters',
            'training_time', 'train_accuracy', 'validation_accuracy', 'test_accuracy']
    ok = 0
    for i, ((m, o), py, c) in enumerate(zip(specs, answers, out)):
        where = 'query %d (%s) matrix=%s ops=%s' % (i + 1, what, json.dumps(m), json.dumps(o))
        if py[0] == 'ok':
            data, h = py[1], py[2]
            if 'error' in c:
                raise CheckFailed('%s: python answered, C said %s' % (where, json.dumps(c)))
            mine = dict(data)
            mine['module_adjacency'] = data['module_adjacency'].tolist()
            for k in keys:
                if k not in c or c[k] != mine[k]:
                    raise CheckFailed('%s: %s python %r, C %r' % (where, k, mine[k], c.get(k)))
            if c.get('hash') != h:
                raise CheckFailed('%s: hash python %s, C %s' % (where, h, c.get('hash')))
            want = next(draws)
            if c.get('repeat') != want:
                raise CheckFailed('%s: repeat python %d, C %r' % (where, want, c.get('repeat')))
            ok += 1
            continue
        kind, msg = py[1], py[2]
        if 'error' not in c:
            raise CheckFailed('%s: python %s (%s), C answered %s'
                              % (where, kind, msg, json.dumps(c)))
        if kind == 'domain':
            want_code, want_msg = 5, msg
        elif kind == 'typeerror':
            # Reference 4.4: a port reports the intended out-of-domain message.
            want_code = 5
            want_msg = 'too many vertices, got %d (max vertices = %d)' % (
                len(ModelSpec(m, o).ops), CONFIG['module_vertices'])
        elif kind == 'notfound':
            want_code, want_msg = 6, None
        else:
            want_code, want_msg = 4, None
        if c.get('code') != want_code or (want_msg is not None and c['error'] != want_msg):
            raise CheckFailed('%s: python %s %r, C %s' % (where, kind, msg, json.dumps(c)))
    c_counters = out[-1]
    if (c_counters.get('training_time_spent'), c_counters.get('total_epochs_spent')) != py_counters:
        raise CheckFailed('%s: budget counters python %r, C %s'
                          % (what, py_counters, json.dumps(c_counters)))
    return ok, len(specs) - ok


def python_hash_line(api, matrix, ops):
    """What `nasbench hash` should print for a spec, from the Python path."""
    spec = ModelSpec(matrix=matrix, ops=ops)
    try:
        api._check_spec(spec)
    except OutOfDomainError as e:
        return {'valid': False, 'error': str(e)}
    except TypeError:
        return {'valid': False, 'error': 'too many vertices, got %d (max vertices = %d)'
                % (len(spec.ops), CONFIG['module_vertices'])}
    return {'valid': True, 'hash': api._hash_spec(spec), 'matrix': spec.matrix.tolist(),
            'ops': spec.ops}


def check_hashes(api, nb, specs):
    """`nasbench hash --jsonl` on every spec, `--matrix/--ops` on a few."""
    rc, out, err = run_c([nb, 'hash', '--jsonl'], [{'matrix': m, 'ops': o} for m, o in specs])
    if rc != 0 or len(out) != len(specs):
        raise CheckFailed('nasbench hash --jsonl: exit %d, %d lines for %d specs: %s'
                          % (rc, len(out), len(specs), err.strip()))
    for i, ((m, o), c) in enumerate(zip(specs, out)):
        want = python_hash_line(api, m, o)
        if c != want:
            raise CheckFailed('hash %d matrix=%s ops=%s: python %s, C %s'
                              % (i + 1, json.dumps(m), json.dumps(o), json.dumps(want),
                                 json.dumps(c)))
    for m, o in specs[:6]:
        want = python_hash_line(api, m, o)
        if not want['valid']:
            continue
        p = subprocess.run([nb, 'hash', '--matrix', json.dumps(m), '--ops', ','.join(o)],
                           capture_output=True, text=True)
        c = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else p.stderr
        if c != want:
            raise CheckFailed('nasbench hash --matrix %s --ops %s: python %s, C %s'
                              % (json.dumps(m), ','.join(o), json.dumps(want), c))
    return len(specs)


def check(api, nb, db, seed, epochs, count=200):
    rng = random.Random(seed + 1)
    canon = pick_specs(api, count, rng)
    specs = []
    for i, (m, o) in enumerate(canon):
        specs.append((m, o) if i % 2 == 0 else permuted_with_extra(m, o, rng))
    # Failing specs spread through the batch: they must draw no repeat.
    for j, bad in enumerate(out_of_space_specs()):
        specs.insert(7 + 23 * j, bad)
    pruned_away = 0
    for m, o in specs:
        spec = ModelSpec(m, o)
        pruned_away += spec.valid_spec and len(spec.ops) < len(o)
    answered, failed = check_queries(api, nb, db, specs, seed, epochs, False)
    # Halfway values and epochs // 2, at the smallest budget, on a shorter batch.
    small = min(api.valid_epochs)
    a2, f2 = check_queries(api, nb, db, specs[:60], seed + 2, small, True)
    hashes = check_hashes(api, nb, specs)
    print('check: %d queries agree (%d answered at %d epochs incl. %d pruned specs, %d failing '
          'alike; %d at %d epochs stop_halfway; budget counters equal), %d hashes agree'
          % (len(specs) + 60, answered, epochs, pruned_away, failed, a2 + f2, small, hashes))


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('db')
    ap.add_argument('--queries', type=int, default=20000)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--epochs', type=int, default=108)
    ap.add_argument('--rounds', type=int, default=3,
                    help='timed rounds over the same queries; the median is reported')
    ap.add_argument('--check', metavar='NASBENCH_BINARY')
    args = ap.parse_args()
    if not os.path.exists(args.db):
        ap.error('no such database: %s' % args.db)

    load_avg = os.getloadavg()
    print('python %s, numpy %s; load average at start %.2f %.2f %.2f'
          % (sys.version.split()[0], np.__version__, *load_avg))

    t_wall, t_cpu = time.perf_counter(), time.process_time()
    api = NASBench(args.db, seed=args.seed)
    print('load: %.1f s wall, %.1f s CPU: %d modules, %d runs, budgets %s'
          % (time.perf_counter() - t_wall, time.process_time() - t_cpu,
             len(api.fixed_statistics),
             sum(len(r) for c in api.computed_statistics.values() for r in c.values()),
             sorted(api.valid_epochs)))
    if api.repeat_mismatches:
        print('warning: %d runs whose stored repeat is not their position in record order'
              % api.repeat_mismatches, file=sys.stderr)
    if args.epochs not in api.valid_epochs:
        ap.error('--epochs %d is not in the database (%s)' % (args.epochs, sorted(api.valid_epochs)))

    if args.queries > 0:
        specs = pick_specs(api, args.queries, random.Random(args.seed))
        n = len(specs)
        rounds = [measure(api, specs, args.seed, args.epochs) for _ in range(args.rounds)]
        us = [[t / n * 1e6 for t in r] for r in rounds]
        full, spec_only, query_only = (sorted(col)[(len(col) - 1) // 2] for col in zip(*us))
        print('original python query: %.1f us/query (%d queries, CPU time%s)'
              % (full, n, ', median of %d rounds' % len(us) if len(us) > 1 else ''))
        if len(us) > 1:
            print('  rounds: %s us/query' % ', '.join('%.1f' % r[0] for r in us))
        print('  each query = ModelSpec(matrix, ops) + query(spec, epochs=%d); timed apart: '
              'ModelSpec %.1f us, query %.1f us' % (args.epochs, spec_only, query_only))
        print('load average after timing %.2f %.2f %.2f' % os.getloadavg())

    if args.check:
        try:
            check(api, args.check, args.db, args.seed, args.epochs)
        except CheckFailed as e:
            print('check FAILED: %s' % e, file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
