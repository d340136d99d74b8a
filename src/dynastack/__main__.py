"""``python -m dynastack``: the same CLI as the ``dynastack`` console script."""

import sys

from dynastack.cli import main

if __name__ == "__main__":
    sys.exit(main())
