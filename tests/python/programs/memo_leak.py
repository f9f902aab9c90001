"""Leak: an unbounded module-level memo dict."""
_memo = {}


def render(n):
    if n not in _memo:
        _memo[n] = "<p>item %d</p>" % n * 8
    return _memo[n]


def warmup():
    for i in range(100):
        render(i)


def work():
    for i in range(100, 3100):
        render(i)
