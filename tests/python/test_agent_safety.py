"""heapdiff.agent never disturbs the program: hostile objects, no storage changes, no partial files, CLI."""
import collections
import ctypes
import gc
import os
import signal
import subprocess
import sys
import weakref

import pytest

from agent_snaputil import Snap
from heapdiff import agent

pytestmark = pytest.mark.filterwarnings("error")

VERSION = sys.version_info[:2]
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CALLS = collections.Counter()
ARMED = [False]


def _hit(name):
    if ARMED[0]:
        CALLS[name] += 1


class LyingMeta(type):
    # (a `__qualname__` property cannot be put in a class body: type() insists on a str; the
    # __getattribute__ below intercepts cls.__qualname__ instead, and __module__ is a property)
    @property
    def __module__(cls):
        _hit("meta.__module__")
        return "lie"

    def __instancecheck__(cls, obj):
        _hit("meta.__instancecheck__")
        return True

    def __subclasscheck__(cls, sub):
        _hit("meta.__subclasscheck__")
        return True

    def __eq__(cls, other):
        _hit("meta.__eq__")
        if ARMED[0]:
            raise RuntimeError("meta eq")
        return cls is other

    def __hash__(cls):
        _hit("meta.__hash__")
        if ARMED[0]:
            raise RuntimeError("meta hash")
        return 3

    def __getattribute__(cls, name):
        if ARMED[0]:
            _hit("meta.__getattribute__")
        return type.__getattribute__(cls, name)


class Hostile(metaclass=LyingMeta):
    def __init__(self):
        object.__setattr__(self, "payload", ["payload"])
        object.__setattr__(self, "other", "x")

    def __getattribute__(self, name):
        _hit("__getattribute__")
        if ARMED[0]:
            raise RuntimeError("no attributes for you")
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        _hit("__getattr__")
        raise AttributeError(name)

    def __setattr__(self, name, value):
        _hit("__setattr__")
        raise RuntimeError("read only")

    def __eq__(self, other):
        _hit("__eq__")
        if ARMED[0]:
            raise RuntimeError("eq")
        return self is other

    def __hash__(self):
        _hit("__hash__")
        if ARMED[0]:
            raise RuntimeError("hash")
        return 1

    def __repr__(self):
        _hit("__repr__")
        raise RuntimeError("repr")

    def __len__(self):
        _hit("__len__")
        raise RuntimeError("len")

    def __iter__(self):
        _hit("__iter__")
        raise RuntimeError("iter")

    @property
    def __class__(self):
        _hit("__class__")
        return int

    @property
    def __dict__(self):
        _hit("__dict__")
        raise RuntimeError("dict")

    def __del__(self):
        pass


class BadSizeof:
    def __sizeof__(self):
        raise RuntimeError("sizeof")


class NegativeSizeof:
    def __sizeof__(self):
        return -5


class HugeSizeof:
    def __sizeof__(self):
        return 2 ** 60


class WeirdSizeof:
    def __sizeof__(self):
        return "big"


class HostileStr(str):
    def __len__(self):
        _hit("str.__len__")
        raise RuntimeError("len")

    def __hash__(self):
        _hit("str.__hash__")
        if ARMED[0]:
            raise RuntimeError("hash")
        return 2

    def __repr__(self):
        _hit("str.__repr__")
        raise RuntimeError("repr")


class Dead:
    pass


class HostileModule(type(sys)):
    def __getattr__(self, name):
        _hit("module.__getattr__")
        raise RuntimeError(name)


class ODict(collections.OrderedDict):
    def __iter__(self):
        _hit("odict.__iter__")
        raise RuntimeError("iter")

    def items(self):
        _hit("odict.items")
        raise RuntimeError("items")

    def keys(self):
        _hit("odict.keys")
        raise RuntimeError("keys")


def test_hostile_zoo_runs_no_user_code(tmp_path):
    h = Hostile()
    dead = Dead()
    proxy = weakref.proxy(dead)
    del dead
    gc.collect()
    hs = HostileStr("hostile-string")
    mod = HostileModule("hostile_mod")
    od = ODict(a=1)
    zoo = {
        "hostile": h,
        "bad": BadSizeof(), "neg": NegativeSizeof(), "huge": HugeSizeof(), "weird": WeirdSizeof(),
        "proxy": proxy, "hs": hs, "mod": mod, "od": od,
        h: "hostile as a key",  # a key whose __eq__/__hash__ raise
        hs: "hostile str key",
        Hostile: "a class with a lying metaclass as a key",
    }
    CALLS.clear()
    ARMED[0] = True
    try:
        st = agent.dump(str(tmp_path / "z.json"))
    finally:
        ARMED[0] = False
    assert st.error is None, st.error
    assert dict(CALLS) == {}
    s = Snap(tmp_path / "z.json")
    assert s.rec(h)[1] == id(Hostile)  # type(), not the lying __class__
    assert s.extra(Hostile)["n"] == __name__ + ".Hostile" and s.extra(Hostile)["d"] is True
    assert s.extra(LyingMeta)["n"] == "LyingMeta"  # its __module__ is a property: not called, left out
    for name in ("bad", "neg", "huge", "weird"):
        r = s.rec(zoo[name])
        assert r[2] == 0 and r[5]["e"] == "sizeof", name
    assert s.rec(proxy)[2] == sys.getsizeof(proxy)
    assert s.extra(hs)["l"] == str.__len__(hs) and "h" not in s.extra(hs)
    assert s.extra(mod)["n"] == "hostile_mod"
    assert s.labelled(od)["['a']"] == id(1)
    if agent.layout_status().get("keys"):
        lab = s.labelled(h)
        assert lab[".payload"] == id(object.__getattribute__(h, "payload"))
        assert s.extra(h)["a"] == "inline"
    labs = [lab for _, lab in s.edges(zoo)]
    assert "[<Hostile>]" in labs and "[<HostileStr>]" in labs and "[<LyingMeta>]" in labs
    del zoo, h, od


def _word(addr):
    return ctypes.c_size_t.from_address(addr).value


def _storage(o):
    """Where a plain instance's attributes are, read in place without asking for `__dict__`
    (docs/LAYOUT.md, `keys`): "dict" once a real dict exists, "values" while they are in a values
    array, "none" for neither.
    3.11: the dict pointer at id-24 (NULL until `__dict__` is asked for), the values pointer at id-32.
    3.12: one tagged word at id-24: bit 0 set means values (at word+1), else the dict or NULL.
    3.13+: the dict pointer at id-24 (NULL until `__dict__` is asked for); the inline values after the
    object at id+basicsize, valid while byte 3 of their header is set."""
    at = id(o)
    if VERSION == (3, 12):
        w = _word(at - 24)
        return "values" if w & 1 else "dict" if w else "none"
    if _word(at - 24):
        return "dict"
    if VERSION == (3, 11):
        return "values" if _word(at - 32) else "none"
    return "values" if ctypes.c_uint8.from_address(at + type(o).__basicsize__ + 3).value else "none"


class Attrs:
    def __init__(self, i):
        self.i = i
        self.s = "v%d" % i
        self.l = [i]


def _census():
    c = collections.Counter()
    for o in gc.get_objects():
        c[type(o)] += 1
    return c


def test_dump_changes_no_storage(tmp_path):
    objs = [Attrs(i) for i in range(500)]
    asked = Attrs(-1)
    asked.__dict__  # the helper tells the two states apart
    assert _storage(asked) == "dict"
    assert [_storage(o) for o in objs] == ["values"] * len(objs)
    sizes = [sys.getsizeof(o) for o in objs]
    assert agent.dump(str(tmp_path / "warm.json")).error is None  # first dump: lazy imports etc.
    assert [_storage(o) for o in objs] == ["values"] * len(objs)
    gc.collect()
    before = _census()
    assert agent.dump(str(tmp_path / "s.json")).error is None
    after = _census()
    after[collections.Counter] -= 1  # `before`
    diff = {t: after[t] - before[t] for t in set(before) | set(after) if after[t] != before[t]}
    assert diff == {}
    assert [_storage(o) for o in objs] == ["values"] * len(objs)
    assert [sys.getsizeof(o) for o in objs] == sizes


def _assert_nothing_left(tmp_path, name):
    assert not (tmp_path / name).exists()
    assert [f for f in os.listdir(tmp_path) if ".tmp-" in f] == []


def test_keyboard_interrupt_mid_write_leaves_nothing(tmp_path, monkeypatch):
    real = agent._Out.write
    calls = [0]

    def write(self, s):
        calls[0] += 1
        if calls[0] == 6:
            raise KeyboardInterrupt
        return real(self, s)

    monkeypatch.setattr(agent._Out, "write", write)
    with pytest.raises(KeyboardInterrupt):
        agent.dump(str(tmp_path / "k.json"))
    assert calls[0] == 6
    _assert_nothing_left(tmp_path, "k.json")
    assert gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_disk_error_returns_error_and_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "d.json.gz"
    target.write_bytes(b"old snapshot")

    def write(self, s):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(agent._Out, "write", write)
    st = agent.dump(str(target))
    assert st.path is None and st.error.startswith("OSError") and "No space left" in st.error
    assert target.read_bytes() == b"old snapshot"
    assert [f for f in os.listdir(tmp_path) if ".tmp-" in f] == []
    st = agent.dump(str(tmp_path / "no-such-dir" / "x.json"))
    assert st.error is not None and st.path is None


FULL_DISK = """
import os, resource, signal, sys
import heapdiff
from heapdiff import agent
walker, target = sys.argv[1], sys.argv[2]
data = [str(i) * 3 for i in range(200_000)]         # a snapshot of well over 1 MiB
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)        # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
st = (agent.dump if walker == "agent" else heapdiff.dump)(target)
print(st.path, "|", st.error)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("walker", ["agent", "native"])
def test_a_write_failing_midway_returns_the_error_and_keeps_the_old_file(tmp_path, walker):
    # The file grows past the process's file size limit in the middle of the records: for the
    # native walker, inside its writer thread while the walk goes on.
    if walker == "native":
        import heapdiff._native as native  # the native walker exists on every supported version

        assert hasattr(native, "walk"), f"no native walker on CPython {sys.version.split()[0]}"
    target = tmp_path / "d.json"
    target.write_bytes(b"old snapshot")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    done = subprocess.run([sys.executable, "-c", FULL_DISK, walker, str(target)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    path, error = [x.strip() for x in done.stdout.split("|")]
    assert path == "None" and "File too large" in error, done.stdout
    assert target.read_bytes() == b"old snapshot"
    assert os.listdir(tmp_path) == ["d.json"], "no temporary file left"


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")
def test_signal_interrupt_during_walk_leaves_nothing(tmp_path):
    big = [[i] for i in range(300_000)]  # a heap that takes a while to walk

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            agent.dump(str(tmp_path / "sig.json"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    _assert_nothing_left(tmp_path, "sig.json")
    assert gc.isenabled()
    del big


SCRIPT = """
import sys

class Marker:
    def __init__(self, i):
        self.i = i

KEEP = [Marker(i) for i in range(int(sys.argv[1]))]
if len(sys.argv) > 2 and sys.argv[2] == "exit":
    sys.exit(3)
if len(sys.argv) > 2 and sys.argv[2] == "raise":
    def fail(local_marker):
        raise ValueError("boom")
    fail(KEEP[0])
print("done", __name__)
"""


def _run_cli(tmp_path, *args):
    script = tmp_path / "prog.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out.json"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, "-m", "heapdiff.agent", str(out), str(script)] + list(args),
                       env=env, capture_output=True, text=True, timeout=120)
    return p, out


def test_cli_runs_script_and_dumps(tmp_path):
    p, out = _run_cli(tmp_path, "7")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "done __main__"
    s = Snap(out)
    assert s.count_type("__main__.Marker") == 7
    assert s.header["argv"] == [str(tmp_path / "prog.py"), "7"]
    mods = [r for r in s.roots if r[1] == "modules"]
    assert len(mods) == 1
    # no frame of the agent among the roots
    names = [r[2] for r in s.roots if r[1] == "frame"]
    assert names and not any(n.endswith(" main()") or "dump" in n for n in names), names


def test_cli_exit_status_and_exception(tmp_path):
    p, out = _run_cli(tmp_path, "3", "exit")
    assert p.returncode == 3, p.stderr
    assert Snap(out).count_type("__main__.Marker") == 3
    os.unlink(out)
    p, out = _run_cli(tmp_path, "2", "raise")
    assert p.returncode == 1 and "ValueError: boom" in p.stderr
    s = Snap(out)
    assert s.count_type("__main__.Marker") == 2
    # the failing frame survives in the traceback and is in the snapshot, its local labelled
    fails = [i for i, r in s.recs.items() if len(r) > 5 and r[5].get("n") == "fail()"]
    assert len(fails) == 1
    if agent.layout_status().get("frame"):
        assert "local 'local_marker'" in [s.labels[l] for l in s.recs[fails[0]][4]]


def test_cli_usage(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    p = subprocess.run([sys.executable, "-m", "heapdiff.agent"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and "usage" in p.stderr


def test_dump_while_other_threads_mutate(tmp_path):
    import threading

    stop = threading.Event()
    shared = {}

    class Item:
        def __init__(self, i):
            self.i = i
            self.d = {"k%d" % i: [i]}

    def worker(n):
        keep = []
        i = 0
        while not stop.is_set():
            i += 1
            o = Item(i)
            keep.append(o)
            shared["w%d-%d" % (n, i % 300)] = o
            if len(keep) > 1000:
                del keep[:500]
            if i % 7 == 0:
                shared.pop("w%d-%d" % (n, (i * 3) % 300), None)

    threads = [threading.Thread(target=worker, args=(n,), name="mutator-%d" % n) for n in range(2)]
    for t in threads:
        t.start()
    try:
        for k in range(2):
            name = "m%d.json%s" % (k, ".gz" if k else "")
            st = agent.dump(str(tmp_path / name))
            assert st.error is None, st.error
    finally:
        stop.set()
        for t in threads:
            t.join()
    for k in range(2):
        s = Snap(tmp_path / ("m%d.json%s" % (k, ".gz" if k else "")))
        assert s.trailer["objects"] == len(s.recs)
        assert all(r[1] in s.recs for r in s.recs.values())
        names = [r[2] for r in s.roots if r[1] == "frame"]
        assert any(n.startswith("<thread mutator-") for n in names), names
        del s
