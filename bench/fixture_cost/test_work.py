import os
import pytest
if os.environ.get("MODE") == "memray":
    pytestmark = pytest.mark.limit_leaks("1 KB")
elif os.environ.get("MODE") == "marker":
    pytestmark = pytest.mark.heapdiff

def work():
    d = {i: str(i) for i in range(100)}
    return len(d)

@pytest.mark.parametrize("i", range(60))
def test_plain(i):
    assert work() == 100
