"""heapdiff: heap snapshots of Python processes, and the analyzer that explains them."""

__version__ = "0.1.0"
