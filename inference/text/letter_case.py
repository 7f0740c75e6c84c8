"""The letter case of each token's word, read from the original text.

Uncased encoders (MiniLM, mpnet) lowercase their input, so "Hama" the city and "hama" reach them as the same ids;
for entity spans case is strong evidence. A model with ``case_features`` adds one learned vector per case class to
each token's input embedding (all zero before training, so training starts from the pretrained encoder).
"""

from __future__ import annotations

NO_WORD, NO_CASE, LOWER, TITLE, UPPER, MIXED = range(6)
NUM_CASE_CLASSES = 6  # special/padding, no cased letters, lower, Title, UPPER (2+ letters), mIxEd


def case_class(word: str) -> int:
    """One of the classes above for a word as written ("Hama" TITLE, "ISIL" UPPER, "al-Nusra" MIXED)."""
    if word.islower():
        return LOWER
    if word.isupper():
        return UPPER if sum(c.isupper() for c in word) > 1 else TITLE
    if word.istitle():
        return TITLE
    if not any(c.isupper() or c.islower() for c in word):
        return NO_CASE  # digits, punctuation, scripts without case
    return MIXED


def token_case_ids(text: str, offsets: list[tuple[int, int]], word_ids: list[int | None]) -> list[int]:
    """Per token, the case class of the whole word it belongs to (sub-tokens of "Abdel" are all TITLE)."""
    spans: dict[int, list[int]] = {}
    for (start, end), wid in zip(offsets, word_ids):
        if wid is None:
            continue
        if wid in spans:
            spans[wid][1] = max(spans[wid][1], end)
        else:
            spans[wid] = [start, end]
    classes = {wid: case_class(text[start:end]) for wid, (start, end) in spans.items()}
    return [NO_WORD if wid is None else classes[wid] for wid in word_ids]
