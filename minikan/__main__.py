"""``python -m minikan …``: the command line of ``minikan/cli/``."""
from minikan.cli import main

raise SystemExit(main())
