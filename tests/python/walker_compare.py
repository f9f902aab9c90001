"""Compares two snapshots of one heap record by record (object set, sizes, edges with labels,
extras, roots): the test of the native walker against the agent uses it."""

import collections
import gzip
import json


def read(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    labels = doc["labels"]
    recs = {}
    for r in doc["objects"]:
        refs = r[3]
        labs = r[4] if len(r) > 4 and r[4] else [0] * len(refs)
        extra = r[5] if len(r) > 5 else {}
        recs[r[0]] = (r[1], r[2], [(t, labels[l]) for t, l in zip(refs, labs)], extra)
    names = {i: rec[3].get("n") for i, rec in recs.items()}
    roots = [(i, k, n) for i, k, n in doc["roots"] if k in ("modules", "frame")]
    return recs, names, roots, doc["header"]


def compare(path_a, path_b):
    """Differences between the snapshots: (only_a, only_b, differing) where the first two are
    Counters of type names and the last maps field -> list of (id, type name, a, b)."""
    a, na, ra, _ = read(path_a)
    b, nb, rb, _ = read(path_b)
    tname = lambda recs, names, i: names.get(recs[i][0]) or "?"  # noqa: E731
    only_a = collections.Counter(tname(a, na, i) for i in a.keys() - b.keys())
    only_b = collections.Counter(tname(b, nb, i) for i in b.keys() - a.keys())
    both = set(a) & set(b)
    known = set(a) | set(b)
    diff = collections.defaultdict(list)
    for i in sorted(both):
        ta, sa, ea, xa = a[i]
        tb, sb, eb, xb = b[i]
        name = tname(a, na, i)
        if ta != tb:
            diff["type"].append((i, name, ta, tb))
        if sa != sb:
            diff["size"].append((i, name, sa, sb))
        # edges to objects present in only one snapshot are the walkers' own temporaries
        fa = [e for e in ea if e[0] in both or e[0] not in known]
        fb = [e for e in eb if e[0] in both or e[0] not in known]
        if fa != fb:
            diff["edges"].append((i, name, fa, fb))
        if xa != xb:
            diff["extra"].append((i, name, xa, xb))
    return only_a, only_b, dict(diff), (ra, rb)
