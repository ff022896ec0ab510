"""``python -m bench [--full]``: the benchmark suite (same as ``pgfast bench``)."""

import sys

from pgfast._bench import main

if __name__ == "__main__":
    sys.exit(main())
