"""For `heapdiff trend`: a list that grows on every step (a leak) beside a dict that fills up to its
bound on the first step and then stays full (saturated, not a leak)."""
_history = []
_table = {}
_step = 0


def warmup():
    pass


def work():
    global _step
    for i in range(_step, _step + 1000):
        _history.append("event %d " % i * 4)
    if len(_table) < 2000:
        for i in range(2000):
            _table[i] = [i] * 5
    _step += 1000
