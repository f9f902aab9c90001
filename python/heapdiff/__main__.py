"""``heapdiff`` console command (and ``python -m heapdiff``): the same CLI as the Rust binary."""

import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return its exit status (0 ok, 1 threshold crossed, 2 bad usage/input)."""
    from heapdiff import _native

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout.flush()
    except Exception:
        pass
    return int(_native.main(["heapdiff", *args]))


if __name__ == "__main__":
    sys.exit(main())
