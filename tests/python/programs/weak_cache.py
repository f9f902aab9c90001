"""Not a leak: a weakref.WeakValueDictionary cache: entries go when their values go."""
import weakref


class Image:
    def __init__(self, n):
        self.n = n
        self.pixels = bytearray(1024)


_cache = weakref.WeakValueDictionary()


def load(n):
    img = _cache.get(n)
    if img is None:
        img = Image(n)
        _cache[n] = img
    return img


def warmup():
    for i in range(50):
        load(i).pixels[0] = 1


def work():
    for i in range(50, 2050):
        load(i).pixels[0] = 1
