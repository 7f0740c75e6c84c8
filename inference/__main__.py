"""``python -m inference ...``: the same as the ``conflict-tag`` command."""

import sys

from inference.batch.cli import main

sys.exit(main())
