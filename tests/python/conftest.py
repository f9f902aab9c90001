"""Test setup that does not depend on pyproject/pytest.ini: heapdiff's Python sources on sys.path."""
import os
import sys

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")
PYTHON_DIR = os.path.normpath(PYTHON_DIR)
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)
