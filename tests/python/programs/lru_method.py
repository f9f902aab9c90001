"""Leak: functools.lru_cache on a method keeps every instance (self is part of the key) alive."""
import functools


class Service:
    def __init__(self, n):
        self.n = n
        self.buffer = bytearray(256)

    @functools.lru_cache(maxsize=None)
    def lookup(self, key):
        return key * 2


def warmup():
    for i in range(20):
        Service(i).lookup(i)


def work():
    for i in range(20, 2020):
        Service(i).lookup(i)
