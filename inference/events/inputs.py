"""The record layer's own inputs: sentences with their labels and span mentions, independent of the tagger's
classes.

Offsets are characters into the article text (end exclusive), as everywhere in the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inference.model.configuration import NONE as NONE_LABEL


@dataclass(frozen=True)
class SentenceView:
    """One sentence of the article and its sequence-head labels, each ``[(label, score), ...]`` best first."""

    start: int
    end: int
    text: str
    event_type: list[tuple[str, float]] = field(default_factory=list)
    sub_event_type: list[tuple[str, float]] = field(default_factory=list)
    inter1: list[tuple[str, float]] = field(default_factory=list)  # actor categories: empty without the heads
    inter2: list[tuple[str, float]] = field(default_factory=list)

    @property
    def top_event_type(self) -> tuple[str, float]:
        """Best event_type label and score; ``("none", 0.0)`` when the sentence has no labels."""
        return self.event_type[0] if self.event_type else (NONE_LABEL, 0.0)

    @property
    def top_sub_event_type(self) -> tuple[str, float] | None:
        return self.sub_event_type[0] if self.sub_event_type else None

    def top(self, head: str) -> tuple[str, float] | None:
        """Best label and score of a sequence head (``sub_event_type``, ``inter1``, ...); None without labels."""
        labels = getattr(self, head)
        return labels[0] if labels else None


@dataclass(frozen=True)
class Mention:
    """A span from a token head: ``head`` is ``"entities"`` (re3d types) or ``"roles"`` (S, T, R)."""

    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    head: str = "entities"

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}
