"""What both ``conflict-eval`` commands share: the error a user can fix and the loading of data and model."""

from __future__ import annotations

from typing import Any

from training.data.canonical import DataError, Example


class CommandError(Exception):
    """A problem the user can fix: ``main`` prints it as one ``conflict-eval: error:`` line and exits 2."""


def load_data_and_tagger(load_data, args) -> tuple[list[Example], str, Any]:
    """``load_data(args)`` -> (examples, source) and a Tagger of ``--model``; what cannot be read is a CommandError."""
    from inference.tagger import ModelLoadError, Tagger

    try:
        examples, source = load_data(args)
        tagger = Tagger.from_pretrained(args.model, device=args.device)
    except (DataError, FileNotFoundError, ModelLoadError, ValueError) as e:
        raise CommandError(str(e)) from None
    return examples, source, tagger
