"""Raw article text -> what the model reads: the normalised text, its sentences, and a map back to the original.

The first step of the one prediction path (``inference.prediction``): the Tagger, training's dev evaluation and
``conflict-eval heads`` all prepare text here, so they all read the same sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inference.stage_times import NO_TIMES
from inference.text.normalize import NormalizedText, normalize_text
from inference.text.sentences import split_sentences


@dataclass(frozen=True)
class PreparedText:
    """``original`` as given; ``norm`` its normalised form (with the ``date`` prefix, if any, parsed once);
    ``sentences``: ``(start, end)`` ranges of ``norm.text``."""

    original: str
    norm: NormalizedText
    sentences: tuple[tuple[int, int], ...]

    @property
    def text(self) -> str:
        return self.norm.text

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A non-empty range of the normalised text -> the range of the original string it came from."""
        return self.norm.to_original(start, end)


def prepare_text(original: str) -> PreparedText:
    """Normalise (date prefix, hard wraps, whitespace, quotes) and split into sentences."""
    return prepare_texts([original])[0]


def prepare_texts(originals: Sequence[str], times=NO_TIMES) -> list[PreparedText]:
    """``prepare_text`` of each text (``times``: a ``StageTimes`` that gets the two steps' seconds)."""
    with times.stage("normalise"):
        norms = [normalize_text(t) for t in originals]
    with times.stage("sentence_split"):
        return [PreparedText(t, n, tuple(split_sentences(n.text))) for t, n in zip(originals, norms)]
