"""``python -m bench [--full] [--only SECTIONS] [--out DIR]``: same as ``pgfast bench``."""

import sys

from pgfast._bench import main

if __name__ == "__main__":
    sys.exit(main())
