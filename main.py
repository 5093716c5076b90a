"""`python main.py` is the same as the `polymask` command."""

import sys

from annotator.cli import main

if __name__ == "__main__":
    sys.exit(main())
