"""``python -m training CONFIG ...``: the same as ``conflict-train`` (works under ``torchrun``)."""

from training.cli import main

raise SystemExit(main())
