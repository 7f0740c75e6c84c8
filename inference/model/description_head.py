"""A sequence head that scores a pooled text embedding by cosine similarity to one vector per label.

Each label's vector starts from the embedding of the label's description (or its name), so the head works
zero-shot before any training, rare labels start from a sensible place, and a label with no training data is
still predicted. During training the vectors move, pulled back toward the description embeddings (the anchors)
by ``anchor_loss`` so that sparse labels do not drift into noise.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class DescriptionHead(nn.Module):
    def __init__(
        self, hidden_size: int, num_labels: int, *, init_scale: float = 20.0, init_bias: float = 0.0
    ):
        super().__init__()
        self.label_vectors = nn.Parameter(torch.randn(num_labels, hidden_size) * 0.02)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(init_scale)))
        self.bias = nn.Parameter(torch.full((num_labels,), float(init_bias)))
        # Description embeddings the vectors are pulled toward; rows with has_anchor == 0 are not pulled.
        self.register_buffer("anchors", torch.zeros(num_labels, hidden_size))
        self.register_buffer("has_anchor", torch.zeros(num_labels))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        """[B, H] pooled embeddings -> [B, L] logits (scaled cosine + bias)."""
        sims = F.normalize(pooled, dim=-1) @ F.normalize(self.label_vectors, dim=-1).T
        return sims * self.logit_scale.clamp(max=math.log(100.0)).exp() + self.bias

    @torch.no_grad()
    def set_label_vectors(self, embeddings: torch.Tensor, anchored: torch.Tensor) -> None:
        """Start every label vector at its text embedding; ``anchored`` marks labels with a real description."""
        emb = F.normalize(embeddings.to(self.label_vectors), dim=-1)
        self.label_vectors.copy_(emb)
        self.anchors.copy_(emb)
        self.has_anchor.copy_(anchored.to(self.has_anchor))

    def anchor_loss(self) -> torch.Tensor:
        """Mean (1 - cosine) between anchored label vectors and their description embeddings."""
        if float(self.has_anchor.sum()) == 0:
            return self.label_vectors.sum() * 0.0
        cos = F.cosine_similarity(self.label_vectors, self.anchors, dim=-1)
        return ((1 - cos) * self.has_anchor).sum() / self.has_anchor.sum()
