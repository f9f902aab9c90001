"""Leak in many small pieces: one list of events per user inside a module-level dict. Each list grows
a little; the dict that holds them all is the answer (roll-up)."""
_events = {}


def record(user, n):
    _events.setdefault("user:%d" % user, []).append(("click", n, "page %d" % n))


def warmup():
    for u in range(50):
        record(u, 0)


def work():
    for n in range(1, 60):
        for u in range(50):
            record(u, n)
