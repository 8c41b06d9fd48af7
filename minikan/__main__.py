"""``python -m minikan …``: see ``minikan/cli.py``."""
from minikan.cli import main

raise SystemExit(main())
