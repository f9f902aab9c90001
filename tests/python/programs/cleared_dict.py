"""Not a leak: a dict cache cleared every 100 calls."""
_cache = {}
_calls = 0


def get(n):
    global _calls
    _calls += 1
    if _calls % 100 == 0:
        _cache.clear()
    if n not in _cache:
        _cache[n] = [n] * 10
    return _cache[n]


def warmup():
    for i in range(250):
        get(i)


def work():
    for i in range(250, 2250):
        get(i)
