"""Not a leak: an lru_cache(maxsize=128) that is already full: new entries evict old ones."""
import functools


@functools.lru_cache(maxsize=128)
def square(n):
    return (n * n, "sq%d" % n)


def warmup():
    for i in range(1000, 1300):
        square(i)


def work():
    for i in range(1300, 4300):
        square(i)
