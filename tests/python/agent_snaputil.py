"""Helpers for the agent tests: read a snapshot with json.load and index it."""
import gzip
import json


class Snap:
    def __init__(self, path):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="ascii") as f:
            self.text = f.read()
        self.doc = json.loads(self.text)
        self.header = self.doc["header"]
        self.roots = self.doc["roots"]
        self.labels = self.doc["labels"]
        self.trailer = self.doc["trailer"]
        self.recs = {}
        for r in self.doc["objects"]:
            assert r[0] not in self.recs, "duplicate id %d" % r[0]
            self.recs[r[0]] = r

    def __contains__(self, oid):
        return oid in self.recs

    def rec(self, o):
        return self.recs[id(o)]

    def refs(self, o):
        return self.recs[id(o)][3]

    def extra(self, o):
        r = self.recs[id(o)] if type(o) is not int else self.recs[o]
        return r[5] if len(r) > 5 else {}

    def edges(self, o):
        """[(target id, label text)] of object o."""
        r = self.recs[id(o)]
        labs = r[4] if len(r) > 4 and r[4] else [0] * len(r[3])
        return [(t, self.labels[l]) for t, l in zip(r[3], labs)]

    def labelled(self, o):
        """{label: target id} of o's labelled edges (first one per label)."""
        out = {}
        for t, l in self.edges(o):
            if l and l not in out:
                out[l] = t
        return out

    def type_name(self, oid):
        r = self.recs[oid]
        t = self.recs.get(r[1])
        return (t[5].get("n") if t is not None and len(t) > 5 else None)

    def count_type(self, name):
        tids = [i for i, r in self.recs.items() if len(r) > 5 and r[5].get("n") == name]
        return sum(1 for r in self.recs.values() if r[1] in tids)
