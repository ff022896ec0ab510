"""``python -m pgfast``: the command line."""

from .cli import main

raise SystemExit(main())
