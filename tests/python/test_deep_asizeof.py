"""Deep size against pympler's asizeof on 22 kinds of objects (issue 11, docs/CLI.md "Deep size").

Each kind is equal to asizeof (with align=1: asizeof rounds every size up to 8 by default), or the
difference is one of the documented rules, checked here by its own numbers:
- inline attribute values (3.11+): asizeof reads obj.__dict__, which creates a dict, and sizes that
  dict and its keys; the snapshot has the instance with its inline values (`extra.i`) instead; on 3.13+
  the inline values stay allocated once a dict exists (`extra.i` of an instance with a dict too), and on
  3.13 only a class with `__slots__` and `__dict__` has no inline values (a real dict from the start);
- numpy: native buffers are counted once, by the owner (asizeof also counts a view's data), and an
  array's `base` of None is no edge (asizeof counts None's 16 bytes);
- asizeof sees no items in a deque, and sizes a function as code (0 B with code=False); heapdiff
  sizes their data.
Every kind also equals a slow twin: the same boundary walked with gc.get_referents in the program.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = Path(__file__).resolve().parent / "programs" / "deep_asizeof.py"
EQUAL = {"instance_dict", "slots", "nested_lists", "nested_dicts", "dataclass_slots", "namedtuple",
         "tuple_of_str", "set_of_int", "frozenset", "bytes", "bytearray", "str_nonascii", "big_int"}
INLINE = {"instance_inline", "slots_and_dict", "dataclass", "list_of_instances"}
if sys.version_info[:2] == (3, 13):  # `__slots__ = ("a", "__dict__")` has no inline values there (3.14 has
    # them again): a real dict from the start
    INLINE.remove("slots_and_dict")
    EQUAL.add("slots_and_dict")
NUMPY = {"numpy_array", "numpy_view"}
ASIZEOF_BLIND = {"deque", "closure"}


@pytest.fixture(scope="module")
def sized(tmp_path_factory, heapdiff_bin):
    out = tmp_path_factory.mktemp("asizeof")
    subprocess.run([sys.executable, str(PROGRAM), str(out / "snap.json"), str(out / "side.json")], check=True,
                   timeout=300, cwd=out)
    side = json.loads((out / "side.json").read_text())

    def show(oid, *flags):
        done = subprocess.run([str(heapdiff_bin), "show", str(out / "snap.json"), str(oid), "--json", *flags],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return side, show


def test_every_kind_is_covered_by_a_rule(sized):
    side, _ = sized
    assert set(side) == EQUAL | INLINE | NUMPY | ASIZEOF_BLIND | {"dataframe"}
    assert len(side) >= 20


def test_deep_size_equals_the_slow_twin(sized):
    side, show = sized
    for name, s in side.items():
        shown = show(s["id"])
        assert (shown["deep_size"] - inline_bytes(s, show), shown["deep_objects"]) == tuple(s["twin"]), name
        assert shown["deep_scope"] == "data"


def inline_bytes(s, show):
    """Bytes the snapshot adds to the instances' sys.getsizeof: their values (extra.i); on 3.13+ also
    for an instance that has a dict, since its inline values stay allocated."""
    return sum(show(i)["shallow_size"] - g for i, g in zip(s["inline_ids"], s["own_size_inline"]))


@pytest.mark.parametrize("name", sorted(EQUAL))
def test_plain_data_equals_asizeof(sized, name):
    side, show = sized
    s = side[name]
    assert show(s["id"])["deep_size"] - inline_bytes(s, show) == s["asizeof"]


@pytest.mark.parametrize("name", sorted(INLINE))
def test_inline_values_differ_from_asizeof_by_the_dict_it_creates(sized, name):
    side, show = sized
    s = side[name]
    assert s["dictless"], "the program's instances keep their attributes inline until asizeof runs"
    inline = inline_bytes(s, show)
    assert inline > 0
    deep = show(s["id"])["deep_size"]
    assert deep - inline + s["materialized_dicts"] + s["attribute_names"] == s["asizeof"]


def test_numpy_buffers_are_counted_once(sized):
    side, show = sized
    array, view = side["numpy_array"], side["numpy_view"]
    assert show(array["id"])["deep_size"] + 16 == array["asizeof"]  # asizeof counts base=None
    assert view["view_nbytes"] == 800
    assert show(view["id"])["deep_size"] + view["view_nbytes"] + 16 == view["asizeof"]


def test_heapdiff_sizes_what_asizeof_does_not_see(sized):
    side, show = sized
    assert side["closure"]["asizeof"] == 0  # a function is code to asizeof
    closure = show(side["closure"]["id"])
    assert closure["deep_objects"] > 40  # its cell, the dict it closes over, keys and values
    assert closure["deep_size"] < 10_000  # but not its globals, module or code
    deque = show(side["deque"]["id"])
    assert deque["deep_objects"] == 61 and deque["deep_size"] > side["deque"]["asizeof"]


def test_deep_all_follows_into_classes_and_modules(sized):
    side, show = sized
    plain = show(side["instance_inline"]["id"])
    assert plain["deep_objects"] == 3  # the instance, its str and its float: not its class
    everything = show(side["instance_inline"]["id"], "--deep-all")
    assert everything["deep_scope"] == "all"
    # through __class__ into the class, its module and what the program holds
    assert everything["deep_objects"] > 1000 and everything["deep_size"] > 100 * plain["deep_size"]
