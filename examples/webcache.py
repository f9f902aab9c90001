"""A small web-style service with a memory leak, for heapdiff's examples and bundled snapshots.

    python examples/webcache.py [N_REQUESTS]          # default 200

What it holds on to:
- `Service._cache` (module-level SERVICE): a dict keyed like 'user:42' whose lists of `Session` and
  `Request` objects grow with every request and are never trimmed: the leak.
- `render_profile`: a bounded `functools.lru_cache(maxsize=64)`: it stays the same size.
- `Request` instances keep their attributes inline (no `__dict__` object on CPython 3.11+),
  `Session` and `Header` use `__slots__`, `Config` has a real `__dict__`.
- `Session.requests` (list of children) and `Request.session` (parent) form reference cycles.

Stdlib only; runs in well under a second for a few thousand requests.  Under the agent:

    python -m heapdiff.agent webcache.json.gz examples/webcache.py 1200
"""

import functools
import sys


class Config:
    """Settings object with a real instance dict (materialized on purpose)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class Header:
    __slots__ = ("name", "value")

    def __init__(self, name, value):
        self.name = name
        self.value = value


class Session:
    __slots__ = ("user_id", "token", "requests")

    def __init__(self, user_id):
        self.user_id = user_id
        self.token = "tok-%08x" % (user_id * 2654435761 % (1 << 32))
        self.requests = []  # children: each Request points back to its session (a cycle)


class Request:
    def __init__(self, session, path, body):
        self.session = session  # parent
        self.path = path
        self.body = body
        self.headers = [Header("user-agent", "heapdiff-example/1.0"), Header("x-request-id", path)]


class Service:
    def __init__(self, config):
        self.config = config
        self._cache = {}  # 'user:42' -> [Session, Request, Request, ...]; never trimmed (the leak)
        self.served = 0

    def handle(self, user_id, path):
        key = "user:%d" % user_id
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = [Session(user_id)]
        session = entry[0]
        req = Request(session, path, ("payload-%d " % self.served) * 8)
        session.requests.append(req)
        entry.append(req)  # the leak: every request is kept forever
        self.served += 1
        return render_profile(user_id % 100)


@functools.lru_cache(maxsize=64)
def render_profile(user_id):
    """A bounded cache: at most 64 rendered pages, whatever the traffic."""
    return "<html><body>profile %d %s</body></html>" % (user_id, "x" * 200)


SERVICE = Service(Config(name="webcache", max_body=4096, debug=False, hosts=["a", "b"]))


def run(n_requests):
    for i in range(n_requests):
        SERVICE.handle(user_id=i % 50, path="/item/%d" % (i % 300))
    return SERVICE.served


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    served = run(n)
    print("served %d requests, %d cached users" % (served, len(SERVICE._cache)))
