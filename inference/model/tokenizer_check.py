"""Is a model folder's tokenizer the one its model was trained with? Checked at load, before any text is tagged.

A folder without ``tokenizer.json`` still loads in transformers (it builds a 5-token tokenizer: every word becomes
[UNK]), and another model's tokenizer loads too; both tag garbage without an error. So loading requires the
tokenizer files, the vocabulary must fill the encoder's embedding matrix, and a fingerprint of the vocabulary
saved in ``config.json`` at save time (``tokenizer_fingerprint``) must match. Folders saved before fingerprints
existed have none: they get the size check only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

FINGERPRINT_KEY = "tokenizer_fingerprint"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
# Some encoders pad their embedding matrix beyond the vocabulary (DeBERTa-v3: 128,001 tokens, 128,100 rows):
# up to this many rows, and at most 1% of them, may be padding.
EMBEDDING_PADDING_ROWS = 128


def tokenizer_fingerprint(tokenizer) -> str:
    """SHA-256 of the vocabulary, tokens in id order: the same words under the same ids give the same print."""
    vocab = tokenizer.get_vocab()
    ordered = sorted(vocab.items(), key=lambda kv: (kv[1], kv[0]))
    return hashlib.sha256(json.dumps(ordered, ensure_ascii=False).encode("utf-8")).hexdigest()


def stamp_tokenizer(config, tokenizer) -> None:
    """Record the tokenizer's fingerprint in the model config, so the saved config.json carries it."""
    setattr(config, FINGERPRINT_KEY, tokenizer_fingerprint(tokenizer))


def missing_tokenizer_files(folder: Path) -> str | None:
    """The first tokenizer file a model folder lacks, with the fix; None when all are there."""
    for name in TOKENIZER_FILES:
        if not (folder / name).is_file():
            return (
                f"{folder / name} is missing: the model folder needs the tokenizer it was trained with; copy "
                f"{', '.join(TOKENIZER_FILES)} from the training output (tokenizer.save_pretrained writes them)"
            )
    return None


def tokenizer_mismatch(folder: Path, config, tokenizer, embedding_rows: int) -> str | None:
    """Why the tokenizer is not the model's (vocabulary size, fingerprint), or None when it is."""
    size = len(tokenizer)
    padding = min(EMBEDDING_PADDING_ROWS, embedding_rows // 100)
    if not size <= embedding_rows <= size + padding:
        return (
            f"the tokenizer in {folder} has {size} tokens but the model's embedding matrix has {embedding_rows} "
            "rows: it is not the tokenizer this model was trained with; copy the tokenizer files saved with it"
        )
    saved = getattr(config, FINGERPRINT_KEY, None)
    if saved is not None and saved != tokenizer_fingerprint(tokenizer):
        return (
            f"the tokenizer in {folder} is not the tokenizer this model was trained with (its vocabulary "
            f"fingerprint differs from {FINGERPRINT_KEY} in config.json): copy the tokenizer files saved with it"
        )
    return None
