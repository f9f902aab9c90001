"""Leak: a logging handler added on every call and never removed."""
import io
import logging

log = logging.getLogger("app.requests")
log.propagate = False


def handle(i):
    log.addHandler(logging.StreamHandler(io.StringIO()))
    log.debug("request %d", i)


def warmup():
    for i in range(10):
        handle(i)


def work():
    for i in range(10, 1010):
        handle(i)
