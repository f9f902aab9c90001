"""Test setup that does not depend on pyproject/pytest.ini: heapdiff's Python sources on sys.path,
and the release binary the CLI tests run."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")
PYTHON_DIR = os.path.normpath(PYTHON_DIR)
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def heapdiff_bin():
    """The release binary, built once per session if it is not there yet."""
    binary = ROOT / "target" / "release" / ("heapdiff.exe" if os.name == "nt" else "heapdiff")
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    return binary
