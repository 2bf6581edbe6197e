"""Entry point of ``python -m rnnlab``."""

import sys

from rnnlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
