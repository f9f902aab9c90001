"""Leak: exceptions kept with their tracebacks, which hold frames and their locals."""
_errors = []


def parse(i):
    rows = [i] * 50
    raise ValueError("bad row %d" % len(rows))


def handle(i):
    try:
        parse(i)
    except ValueError as e:
        _errors.append(e)


def warmup():
    for i in range(10):
        handle(i)


def work():
    for i in range(10, 1510):
        handle(i)
