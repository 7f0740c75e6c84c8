"""Test helper: make a tiny-model Tagger give known spans and sentence labels, whatever its random weights say.

Token heads tag chosen vocabulary words; a sentence holding a trigger word gets ``event_type`` Battles and
``sub_event_type`` Armed clash (``none`` otherwise). Works through the model's outputs (``logits``, ``pooled``) and
its sequence-head modules, so the tagger's own batching, pooling and decoding still run.
"""

from __future__ import annotations

import torch
from torch import nn

TRIGGERS = ("attacked", "killed")
FORCED_LABELS = {"event_type": "Battles", "sub_event_type": "Armed clash"}


class ForcedHead(nn.Module):
    """A sequence head that gives ``label`` where the pooled vector's first value is positive, else ``none``."""

    def __init__(self, labels: list[str], label: str):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))  # the tagger reads device and dtype from a parameter
        self.on = torch.full((len(labels),), -10.0)
        self.on[labels.index(label)] = 10.0
        self.off = torch.full((len(labels),), -10.0)
        self.off[labels.index("none")] = 10.0

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return torch.where(pooled[:, :1] > 0, self.on, self.off)


def force(
    tagger, monkeypatch, entities: dict[str, str], roles: dict[str, str], triggers: tuple[str, ...] = TRIGGERS
) -> None:
    """Token heads tag the given words and nothing else; sentences holding a trigger word are Battles."""
    tok = tagger.tokenizer
    token_tags = {}
    for head, tags in (("entities", entities), ("roles", roles)):
        if head in {h.name for h in tagger.token_heads}:
            bio = tagger.config.head(head).bio_labels
            token_tags[head] = {tok.convert_tokens_to_ids(w): bio.index(t) for w, t in tags.items()}
    trigger_ids = torch.tensor([tok.convert_tokens_to_ids(w) for w in triggers])
    heads = {h.name: ForcedHead(h.labels, FORCED_LABELS[h.name]) for h in tagger.sequence_heads}
    original = tagger.model.forward

    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        ids = kwargs["input_ids"]
        for head, forced in token_tags.items():
            logits = torch.full_like(out.logits[head], -10.0)
            logits[..., 0] = 10.0
            for token_id, j in forced.items():
                hit = ids == token_id
                logits[hit] = -10.0
                logits[..., j][hit] = 10.0
            out.logits[head] = logits
        window_example = kwargs.get("window_example")
        if window_example is None:
            window_example = torch.arange(ids.size(0))
        pooled = torch.zeros_like(out.pooled)
        pooled[:, 0].index_add_(0, window_example, torch.isin(ids, trigger_ids).sum(dim=1).float())
        out.pooled = pooled
        for name, head in heads.items():
            out.logits[name] = head(pooled)
        return out

    monkeypatch.setattr(tagger.model, "forward", forward)
    for name, head in heads.items():
        tagger.model.sequence_heads[name] = head  # each test loads its own tagger: nothing to restore
