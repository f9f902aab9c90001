"""heapdiff.agent on real heaps: completeness, types, sizes, labels (docs/FORMAT.md)."""
import collections
import gc
import os
import sys
import threading
import tracemalloc
import types

import pytest

from agent_snaputil import Snap
from heapdiff import agent

pytestmark = pytest.mark.filterwarnings("error")

VERSION = sys.version_info[:2]


def _tname(t):
    m = type.__dict__["__module__"].__get__(t)
    q = type.__dict__["__qualname__"].__get__(t)
    return m + "." + q if type(m) is str else q


# ---------------------------------------------------------------------------------------------
# test heap


class Plain:
    def __init__(self, i):
        self.ident = i
        self.label = "plain-%d" % i
        self.items = [i, str(i)]


class WithDict:
    def __init__(self):
        self.a = "A"
        self.b = ["b"]


class Slotted:
    __slots__ = ("first", "second", "third")

    def __init__(self):
        self.first = ["f"]
        self.third = ("t", 3)


class SlotsAndDict:
    __slots__ = ("s", "__dict__")

    def __init__(self):
        self.s = ["s"]
        self.attr = ["attr"]


class Sub(Slotted):
    def __init__(self):
        super().__init__()
        self.extra = ["extra"]


class Node:
    __slots__ = ("next", "value")

    def __init__(self, nxt, value):
        self.next = nxt
        self.value = value


def dump_to(tmp_path, name="s.json", **kw):
    p = tmp_path / name
    st = agent.dump(str(p), **kw)
    assert st.error is None, st.error
    assert st.path == str(p)
    return p, st


# ---------------------------------------------------------------------------------------------


def test_file_layout_is_one_record_per_line(tmp_path):
    p, st = dump_to(tmp_path)
    text = p.read_text("ascii")
    lines = text.split("\n")
    assert lines[0] == '{"format":"heapdiff","version":1,'
    assert lines[1].startswith('"header":{') and lines[1].endswith("},")
    assert lines[2].startswith('"roots":[[') and lines[2].endswith("]],")
    assert lines[3] == '"objects":['
    end = lines.index("],", 4)
    objs = lines[4:end]
    assert all(line.startswith("[") for line in objs)
    assert all(line.endswith("],") for line in objs[:-1]) and objs[-1].endswith("]")
    assert lines[end + 1] == '"labels":['
    lend = lines.index("],", end + 2)
    assert lines[end + 2] == '"",'
    assert lines[lend + 1].startswith('"trailer":{') and lines[lend + 1].endswith("}}")
    assert lines[-1] == ""
    s = Snap(p)
    assert s.trailer["objects"] == len(objs) == len(s.recs) == st.objects
    assert s.trailer["edges"] == sum(len(r[3]) for r in s.recs.values()) == st.edges
    assert s.trailer["bytes"] == len(text.encode()) - len(lines[lend + 1]) - 1
    assert st.bytes_written == os.path.getsize(p)
    h = s.header
    for k in ("python", "implementation", "pid", "argv", "time", "time_iso", "rss", "peak_rss", "gc", "agent",
              "walker", "pointer_size", "redact", "libraries", "layout"):
        assert k in h, k
    assert h["pid"] == os.getpid() and h["walker"] == "python" and h["agent"].startswith("heapdiff-agent ")
    assert set(h["gc"]) >= {"enabled", "count", "threshold", "stats", "garbage", "frozen"}
    assert h["gc"]["enabled"] is True and gc.isenabled()  # restored after the dump
    assert h["layout"]["list_empty"] == sys.getsizeof([]) and h["layout"]["gc_header"] == 16
    assert h["time_iso"].endswith("Z") and h["redact"] is False
    for r in s.recs.values():
        assert isinstance(r[0], int) and isinstance(r[1], int) and 0 <= r[2] < 2 ** 48
        if len(r) > 4 and r[4]:
            assert len(r[4]) == len(r[3])
            assert all(0 <= i < len(s.labels) for i in r[4])
    # no temp file left beside
    assert sorted(os.listdir(tmp_path)) == ["s.json"]


def test_superset_of_muppy_and_closed_under_referents(tmp_path):
    from pympler import muppy

    keep = [Plain(i) for i in range(50)]  # noqa: F841
    held = muppy.get_objects(include_frames=True)
    p = str(tmp_path / "s.json")
    st = agent.dump(p)
    # referents right after the dump, before anything else runs (json.load below mutates nothing held)
    post = [(id(o), list(map(id, gc.get_referents(o)))) for o in held]
    assert st.error is None
    s = Snap(p)
    ids = s.recs
    missing = [o for o in held if id(o) not in ids]
    assert not missing, [type(o) for o in missing[:10]]
    for oid, refs in post:
        rec_refs = set(ids[oid][3])
        for r in refs:
            assert r in ids
            assert r in rec_refs
    # the snapshot itself is closed: every ref and every type is a record
    dangling = [t for r in ids.values() for t in r[3] if t not in ids]
    assert dangling == []
    assert all(r[1] in ids for r in ids.values())
    # per-type counts over the same objects
    mine = collections.Counter(_tname(type(o)) for o in held)
    theirs = collections.Counter(s.type_name(id(o)) for o in held)
    assert mine == theirs
    # types, sizes
    for o in held:
        r = ids[id(o)]
        assert r[1] == id(type(o))
        x = r[5] if len(r) > 5 else {}
        if "e" in x:
            continue
        assert r[2] == sys.getsizeof(o), (type(o), r)


def test_type_closure_and_exact_instance_counts(tmp_path):
    class Counted(Plain):
        pass

    class CountedSlots(Slotted):
        __slots__ = ()

    objs = [Counted(i) for i in range(300)] + [CountedSlots() for _ in range(200)] + [Sub() for _ in range(70)]
    p, st = dump_to(tmp_path)
    s = Snap(p)
    prefix = __name__ + ".test_type_closure_and_exact_instance_counts.<locals>."
    assert s.count_type(prefix + "Counted") == 300
    assert s.count_type(prefix + "CountedSlots") == 200
    for o in objs[:5]:
        assert s.rec(o)[1] == id(type(o))
        assert s.extra(type(o))["n"] == _tname(type(o))
    # metatypes: type(type) is a record named builtins.type
    assert s.extra(type)["n"] == "builtins.type"
    assert s.rec(type)[1] == id(type)
    # every object's type, and every type's type, is recorded
    for r in s.recs.values():
        assert r[1] in s.recs
    del objs


def test_attribute_labels_inline_dict_slots(tmp_path):
    pl = Plain(7)
    wd = WithDict()
    wd.__dict__  # materialize the dict: this instance now has a real __dict__
    sl = Slotted()
    sd = SlotsAndDict()
    sub = Sub()
    p, st = dump_to(tmp_path)
    s = Snap(p)
    lab = s.labelled(pl)
    assert lab[".ident"] == id(pl.ident) and lab[".label"] == id(pl.label) and lab[".items"] == id(pl.items)
    assert s.extra(pl)["a"] == "inline" and s.extra(pl)["i"] > 0
    lab = s.labelled(wd)
    assert lab[".__dict__"] == id(wd.__dict__) and s.extra(wd)["a"] == "dict"
    if VERSION >= (3, 13):  # the inline values stay allocated in the object (docs/LAYOUT.md, inline313)
        assert s.extra(wd)["i"] > 0
    else:  # the values array was handed to the dict (keys311, dorv312)
        assert "i" not in s.extra(wd)
    dl = s.labelled(wd.__dict__)
    assert dl["['a']"] == id(wd.a) and dl["['b']"] == id(wd.b)
    lab = s.labelled(sl)
    assert lab == {".first": id(sl.first), ".third": id(sl.third)}
    assert s.extra(sl)["a"] == "slots"
    lab = s.labelled(sd)
    assert lab[".s"] == id(sd.s) and s.extra(sd)["a"] in ("slots+inline", "slots+dict")
    if s.extra(sd)["a"] == "slots+inline":
        assert lab[".attr"] == id(sd.attr)
    lab = s.labelled(sub)
    assert lab[".first"] == id(sub.first)
    if VERSION == (3, 13):  # a subclass of a slots class: a managed dict without inline values (3.14 has them again)
        assert s.extra(sub)["a"] == "slots+dict" and lab[".__dict__"] == id(sub.__dict__)
        assert s.labelled(sub.__dict__)["['extra']"] == id(sub.extra)
    else:
        assert s.extra(sub)["a"] == "slots+inline" and lab[".extra"] == id(sub.extra)


def test_dict_keys_and_values(tmp_path):
    key = "user:" + str(42)
    longkey = "k" * 100
    d = {key: [1], 7: ["seven"], None: "n", 2.5: "f", (1, 2): "t", True: "b", longkey: "long"}
    strs = {"x" + str(i): i for i in range(10)}
    p, st = dump_to(tmp_path)
    s = Snap(p)
    e = s.edges(d)
    assert [t for t, _ in e] == [id(x) for kv in d.items() for x in kv]
    labs = [lab for _, lab in e]
    assert labs[0::2] == ["<key>"] * len(d)
    assert labs[1::2] == ["['user:42']", "[7]", "[None]", "[2.5]", "[<tuple>]", "[True]",
                          "['" + "k" * 60 + "\u2026']"]
    # string keys are recorded objects (gc.get_referents leaves them out)
    assert id(key) in s and s.extra(key)["l"] == len(key) and s.extra(key)["h"] == hash(key)
    assert s.labelled(strs)["['x3']"] == id(strs["x3"])


def test_frame_roots_and_locals(tmp_path):
    captured = {}

    def handle(request_body):
        batch = [request_body] * 3
        counter = 12345678901

        def inner():
            return batch

        captured["st"] = agent.dump(str(tmp_path / "f.json"))
        captured["ids"] = (id(request_body), id(batch), id(counter), id(inner))
        captured["frame"] = id(sys._getframe())
        return inner

    handle("body-" + str(1))
    assert captured["st"].error is None
    s = Snap(tmp_path / "f.json")
    roots = {r[0]: (r[1], r[2]) for r in s.roots}
    assert roots[id(sys.modules)] == ("modules", "sys.modules")
    fid = captured["frame"]
    kind, name = roots[fid]
    assert kind == "frame"
    assert name.endswith("frame test_frame_roots_and_locals.<locals>.handle()")
    assert name.startswith("<thread MainThread>")
    lab = {}
    for t, l in zip(s.recs[fid][3], s.recs[fid][4]):
        lab.setdefault(s.labels[l], t)
    body, batch, counter, inner = captured["ids"]
    assert lab["local 'request_body'"] == body
    assert lab["cell 'batch'"] != batch  # a cell holds it
    assert s.recs[lab["cell 'batch'"]][3] == [batch]
    assert lab["local 'counter'"] == counter and counter in s
    assert lab["local 'inner'"] == inner
    assert ".f_code" in lab and ".f_globals" in lab and ".f_back" in lab
    assert s.extra(fid)["n"] == "test_frame_roots_and_locals.<locals>.handle()"
    # the agent's own frames are not recorded: the innermost root is handle()
    frames = [r for r in s.roots if r[1] == "frame"]
    assert frames[0][0] == fid
    assert not any("dump" in r[2] and "agent" in r[2] for r in frames)


def test_other_thread_frames(tmp_path):
    ready = threading.Event()
    release = threading.Event()
    box = {}

    def worker():
        secret_local = ["held", "by", "worker"]
        box["id"] = id(secret_local)
        ready.set()
        release.wait(30)
        return secret_local

    t = threading.Thread(target=worker, name="Worker-7")
    t.start()
    try:
        assert ready.wait(10)
        p, st = dump_to(tmp_path)
    finally:
        release.set()
        t.join()
    s = Snap(p)
    names = [r[2] for r in s.roots if r[1] == "frame"]
    assert any(n.startswith("<thread Worker-7> frame ") and n.endswith("worker()") for n in names), names
    wid = [r[0] for r in s.roots if r[2].endswith("worker()")][0]
    lab = dict((s.labels[l], t) for t, l in zip(s.recs[wid][3], s.recs[wid][4]))
    assert lab["local 'secret_local'"] == box["id"] and box["id"] in s


def test_functions_modules_types_cells_methods(tmp_path):
    def outer():
        captured = ["c"]

        def closure():
            return captured

        return closure

    fn = outer()
    bm = Plain(1).__init__
    mod = sys.modules[__name__]
    p, st = dump_to(tmp_path)
    s = Snap(p)
    assert s.extra(mod)["n"] == __name__
    assert s.labelled(mod)[".__dict__"] == id(mod.__dict__)
    assert s.extra(fn)["n"] == "test_functions_modules_types_cells_methods.<locals>.outer.<locals>.closure"
    assert s.extra(fn.__code__)["n"] == s.extra(fn)["n"]
    cell = fn.__closure__[0]
    assert s.labelled(cell) == {".cell_contents": id(cell.cell_contents)}
    assert s.extra(bm)["n"] == "Plain.__init__"
    assert s.labelled(bm) == {".__func__": id(bm.__func__), ".__self__": id(bm.__self__)}
    lab = s.labelled(fn)
    assert lab[".__code__"] == id(fn.__code__) and lab[".__closure__"] == id(fn.__closure__)
    assert lab[".__globals__"] == id(fn.__globals__)
    co = s.labelled(fn.__code__)
    assert co[".co_consts"] == id(fn.__code__.co_consts) and co[".co_filename"] == id(fn.__code__.co_filename)
    tl = s.labelled(Plain)
    assert tl[".__mro__"] == id(Plain.__mro__) and tl[".__bases__"] == id(Plain.__bases__)
    assert ".__dict__" in tl and tl[".__name__"] == id(Plain.__name__)
    assert s.extra(Plain)["n"] == __name__ + ".Plain"


def test_deep_linked_list_is_walked_iteratively(tmp_path):
    head = None
    for i in range(100_000):
        head = Node(head, i)
    p, st = dump_to(tmp_path)
    s = Snap(p)
    assert s.count_type(__name__ + ".Node") == 100_000
    assert s.labelled(head) == {".next": id(head.next), ".value": id(head.value)}
    del head


def test_gzip_output(tmp_path):
    p, st = dump_to(tmp_path, "s.json.gz")
    p2 = tmp_path / "plain.json.gz"
    st2 = agent.dump(str(p2), compress=False)
    assert st2.error is None and p2.read_bytes()[:1] == b"{"
    with open(p, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"
    s = Snap(p)
    assert s.trailer["objects"] == st.objects == len(s.recs)
    assert st.bytes_written == os.path.getsize(p) < s.trailer["bytes"]


def test_redact_hides_keys(tmp_path):
    import hashlib

    secret = "password-" + "hunter2"
    d = {secret: ["value"], "user:" + "alice": 1}
    p, st = dump_to(tmp_path, redact=True)
    text = p.read_text("ascii")
    assert "hunter2" not in text and "alice" not in text
    s = Snap(p)
    assert s.header["redact"] is True
    h = "['#" + hashlib.blake2b(secret.encode()).hexdigest()[:8] + "']"
    assert s.labelled(d)[h] == id(d[secret])
    assert all("h" not in (r[5] if len(r) > 5 else {}) for r in s.recs.values())
    assert s.extra(secret)["l"] == len(secret)


def test_inline_storage_size_matches_allocations():
    """extra.i: bytes of the instance's values array, checked against tracemalloc."""
    class Three:
        def __init__(self):
            self.a = 1
            self.b = None
            self.c = "x"

    warm = [Three() for _ in range(40)]  # the shared keys' usable count shrinks to its floor

    objs = [None] * 500

    def make():
        for i in range(500):
            objs[i] = Three()

    tracemalloc.start()
    try:
        make()
        snap = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    line = make.__code__.co_firstlineno + 2
    total = sum(st.size for st in snap.statistics("lineno")
                if st.traceback[0].filename == __file__ and st.traceback[0].lineno == line)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        st = agent.dump(os.path.join(d, "s.json"))
        assert st.error is None
        s = Snap(os.path.join(d, "s.json"))
    inline = sum(s.extra(o)["i"] for o in objs)
    assert all(s.extra(o)["a"] == "inline" for o in objs)
    assert total == sum(sys.getsizeof(o) for o in objs) + inline
    del warm
