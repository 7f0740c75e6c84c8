"""One encoder, several named heads, one forward pass.

Token heads tag every window's tokens (BIO); sequence heads classify a whole example by mean-pooling its tokens
across all of its windows, so a long document is seen whole rather than cut at the encoder's 512 tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedModel
from transformers.utils import ModelOutput

from inference.model.configuration import MULTI_LABEL, TOKEN, ConflictEventsConfig, HeadSpec
from inference.model.description_head import DescriptionHead
from inference.text.letter_case import NUM_CASE_CLASSES
from inference.text.windows import collate_windows, tokenize_windows

logger = logging.getLogger(__name__)

IGNORE = -100


@dataclass
class ConflictEventsOutput(ModelOutput):
    """``logits[head]``: [W, T, n_bio] for token heads, [B, n_labels] for sequence heads."""

    loss: torch.Tensor | None = None
    losses: dict[str, torch.Tensor] | None = None
    logits: dict[str, torch.Tensor] | None = None
    pooled: torch.Tensor | None = None


def mean_pool(
    hidden: torch.Tensor, mask: torch.Tensor, window_example: torch.Tensor, num_examples: int
) -> torch.Tensor:
    """Average token vectors per example over all of its windows ([W, T, H] -> [B, H])."""
    mask = mask.to(hidden.dtype).unsqueeze(-1)
    sums = torch.zeros(num_examples, hidden.size(-1), dtype=hidden.dtype, device=hidden.device)
    counts = torch.zeros(num_examples, 1, dtype=hidden.dtype, device=hidden.device)
    sums.index_add_(0, window_example, (hidden * mask).sum(dim=1))
    counts.index_add_(0, window_example, mask.sum(dim=1))
    return sums / counts.clamp(min=1.0)


class ConflictEventsModel(PreTrainedModel):
    config_class = ConflictEventsConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    _supports_sdpa = True

    def __init__(self, config: ConflictEventsConfig):
        super().__init__(config)
        encoder_config = config.encoder
        if isinstance(encoder_config, dict):
            encoder_config = AutoConfig.for_model(**encoder_config)
        self.encoder = AutoModel.from_config(encoder_config)
        if getattr(self.encoder, "pooler", None) is not None:
            self.encoder.pooler = (
                None  # unused: heads pool themselves; keeping it would leave DDP unused params
            )
        hidden = encoder_config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.case_embeddings = nn.Embedding(NUM_CASE_CLASSES, hidden) if config.case_features else None
        self.token_heads = nn.ModuleDict()
        self.sequence_heads = nn.ModuleDict()
        for spec in config.head_specs:
            if spec.kind == TOKEN:
                self.token_heads[spec.name] = nn.Linear(hidden, spec.num_outputs)
            else:
                init_bias = -5.0 if spec.problem_type == MULTI_LABEL else 0.0
                self.sequence_heads[spec.name] = DescriptionHead(
                    hidden, spec.num_outputs, init_bias=init_bias
                )
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, DescriptionHead):
            return  # its own init (or set_label_vectors) stands
        if module is self.case_embeddings:
            nn.init.zeros_(module.weight)  # adds nothing until trained: the pretrained encoder's inputs stand
            return
        super()._init_weights(module)

    # ---- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_encoder(
        cls, encoder: str, heads: list[HeadSpec | dict], *, tokenizer=None, **config_kwargs
    ) -> ConflictEventsModel:
        """A new model on a pretrained encoder (local folder or hub id) with label vectors from descriptions."""
        # float32 master weights whatever the checkpoint holds (an fp16 or bf16 folder would train in half precision)
        base = AutoModel.from_pretrained(encoder, dtype=torch.float32)
        heads = [h.to_dict() if isinstance(h, HeadSpec) else h for h in heads]
        config = ConflictEventsConfig(
            encoder=base.config.to_dict(), heads=heads, encoder_name=str(encoder), **config_kwargs
        )
        model = cls(config)
        missing, unexpected = model.encoder.load_state_dict(base.state_dict(), strict=False)
        unexpected = [k for k in unexpected if not k.startswith("pooler.")]
        if missing or unexpected:
            raise RuntimeError(
                f"encoder weights from {encoder} do not fit: missing {missing}, unexpected {unexpected}"
            )
        tokenizer = tokenizer if tokenizer is not None else AutoTokenizer.from_pretrained(encoder)
        model.init_label_vectors(tokenizer)
        return model

    @torch.no_grad()
    def embed_texts(self, texts: list[str], tokenizer, *, batch_size: int = 32) -> torch.Tensor:
        """Mean-pooled embeddings of texts ([N, H]), pooled exactly as sequence heads pool their input."""
        was_training = self.training
        self.eval()
        out = []
        for i in range(0, len(texts), batch_size):
            windows = tokenize_windows(
                tokenizer,
                texts[i : i + batch_size],
                max_length=self.config.max_length,
                stride=self.config.stride,
                case_features=self.config.case_features,
            )
            batch = {
                k: v.to(self.device) for k, v in collate_windows(windows, tokenizer.pad_token_id).items()
            }
            out.append(self(**batch).pooled)
        self.train(was_training)
        return torch.cat(out).float()

    def init_label_vectors(self, tokenizer, heads: list[str] | None = None) -> None:
        """Set each sequence head's label vectors from its descriptions (label name where none is given)."""
        for spec in self.config.head_specs:
            if spec.name not in self.sequence_heads or (heads is not None and spec.name not in heads):
                continue
            texts = [spec.descriptions.get(label) or label.replace("_", " ") for label in spec.labels]
            anchored = torch.tensor([1.0 if label in spec.descriptions else 0.0 for label in spec.labels])
            self.sequence_heads[spec.name].set_label_vectors(self.embed_texts(texts, tokenizer), anchored)

    # ---- forward -----------------------------------------------------------------------------------------
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        window_example: torch.Tensor | None = None,
        pool_mask: torch.Tensor | None = None,
        case_ids: torch.Tensor | None = None,
        labels: dict[str, torch.Tensor] | None = None,
        **unused,
    ) -> ConflictEventsOutput:
        """Windows [W, T] in; ``window_example`` [W] says which example each window belongs to (default: its own);
        ``case_ids`` [W, T] letter-case classes, needed by a model with ``case_features``.

        ``labels[head]``: token heads [W, T] BIO ids (-100 = ignore); multi_class [B] ids (-100 = unknown);
        multi_label [B, L] 0/1 floats (a row of -100 = unknown). A head absent from ``labels`` adds no loss.
        """
        enc_kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.case_embeddings is not None:
            if case_ids is None:
                raise ValueError(
                    "this model reads letter case (config case_features): pass case_ids, e.g. from "
                    "inference.text.windows.tokenize_windows(..., case_features=True) and collate_windows"
                )
            embeds = self.encoder.get_input_embeddings()(input_ids)
            embeds = embeds + self.case_embeddings(case_ids).to(embeds.dtype)
            enc_kwargs = {"inputs_embeds": embeds, "attention_mask": attention_mask}
        if token_type_ids is not None:
            enc_kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**enc_kwargs).last_hidden_state
        if window_example is None:
            window_example = torch.arange(input_ids.size(0), device=input_ids.device)
        num_examples = int(window_example.max().item()) + 1 if window_example.numel() else 0
        pooled = mean_pool(
            hidden, attention_mask if pool_mask is None else pool_mask, window_example, num_examples
        )

        dropped = self.dropout(hidden)
        logits: dict[str, torch.Tensor] = {name: head(dropped) for name, head in self.token_heads.items()}
        logits.update(self.sequence_logits(pooled))

        loss = None
        losses: dict[str, torch.Tensor] = {}
        if labels is not None:
            specs = {s.name: s for s in self.config.head_specs}
            total = hidden.new_zeros(())
            for name, head_logits in logits.items():
                spec = specs[name]
                if name in labels:
                    losses[name] = head_loss(spec, head_logits, labels[name])
                    total = total + spec.loss_weight * losses[name]
                else:  # keep the head in the graph (DDP) without changing the loss
                    total = total + head_logits.sum() * 0.0
            if self.config.anchor_weight > 0:
                for name, head in self.sequence_heads.items():
                    losses[f"{name}/anchor"] = head.anchor_loss()
                    total = total + self.config.anchor_weight * losses[f"{name}/anchor"]
            loss = total
        return ConflictEventsOutput(loss=loss, losses=losses, logits=logits, pooled=pooled)

    def sequence_logits(self, pooled: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every sequence head's logits for pooled text vectors [B, H]: ``forward`` uses it for the examples of a
        batch, and prediction (``inference.prediction``) for sentences and texts whose windows span batches."""
        if not len(self.sequence_heads):
            return {}
        param = next(self.sequence_heads.parameters())
        pooled = pooled.to(param.device, param.dtype)
        return {name: head(pooled) for name, head in self.sequence_heads.items()}


def head_loss(spec: HeadSpec, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """One head's loss, averaged over the items this batch annotates (0 with grad when it annotates none)."""
    if spec.kind == TOKEN:
        flat_t = target.reshape(-1)
        if not (flat_t != IGNORE).any():
            return logits.sum() * 0.0
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), flat_t, ignore_index=IGNORE)
    if spec.problem_type == MULTI_LABEL:
        known = (target >= 0).all(dim=-1)
        if not known.any():
            return logits.sum() * 0.0
        return F.binary_cross_entropy_with_logits(logits[known].float(), target[known].float())
    if not (target != IGNORE).any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float(), target, ignore_index=IGNORE)
