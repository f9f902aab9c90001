"""Leak: a class-level registry of instances that are never unregistered."""


class Widget:
    _registry = []

    def __init__(self, n):
        self.n = n
        self.children = [None] * 8
        Widget._registry.append(self)


def warmup():
    for i in range(50):
        Widget(i)


def work():
    for i in range(50, 3050):
        Widget(i)
