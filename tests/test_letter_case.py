"""Letter-case features: classes read from the original text, a model that starts as its encoder and learns from
case, the flag travelling in the model folder to training, evaluation and the Tagger."""

from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from inference import ConflictEventsModel, Tagger
from inference.text.letter_case import LOWER, MIXED, NO_CASE, NO_WORD, TITLE, UPPER, case_class
from inference.text.windows import collate_windows, tokenize_windows
from training.config import load_config
from training.trainer import train

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HEADS = [{"name": "entities", "kind": "token", "labels": ["Person", "Location"]}]


@pytest.mark.parametrize(
    "word, expected",
    [
        ("village", LOWER),
        ("Hama", TITLE),
        ("A", TITLE),
        ("Al-Assad", TITLE),
        ("ISIL", UPPER),
        ("al-Nusra", MIXED),
        ("McDonald", MIXED),
        ("2020", NO_CASE),
        ("حماة", NO_CASE),
        (",", NO_CASE),
    ],
)
def test_case_class_of_a_word(word, expected):
    assert case_class(word) == expected


def test_every_sub_token_of_a_word_gets_the_words_case(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    text = "Rebels from ISIL attacked Kafrnabuda"
    (window,) = tokenize_windows(tok, [text], max_length=64, stride=16, case_features=True)
    assert window.case_ids[0] == NO_WORD and window.case_ids[-1] == NO_WORD  # [CLS], [SEP]
    by_word = {}
    for wid, case in zip(window.word_ids, window.case_ids):
        if wid is not None:
            by_word.setdefault(wid, set()).add(case)
    assert [by_word[w] for w in sorted(by_word)] == [{TITLE}, {LOWER}, {UPPER}, {LOWER}, {TITLE}]
    assert (
        len([w for w in window.word_ids if w == 4]) > 1
    )  # the last word is split, and all its pieces are TITLE
    (plain,) = tokenize_windows(tok, [text], max_length=64, stride=16)
    assert plain.case_ids is None and "case_ids" not in collate_windows([plain], tok.pad_token_id)


def test_case_model_starts_as_its_encoder_then_sees_case(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    plain = ConflictEventsModel.from_encoder(str(tiny_encoder), HEADS).eval()
    cased = ConflictEventsModel.from_encoder(str(tiny_encoder), HEADS, case_features=True).eval()
    missing, unexpected = cased.load_state_dict(plain.state_dict(), strict=False)
    assert missing == ["case_embeddings.weight"] and not unexpected
    texts = ["Soldiers entered Hama", "soldiers entered hama"]
    batch = collate_windows(
        tokenize_windows(tok, texts, max_length=32, stride=8, case_features=True), tok.pad_token_id
    )
    assert not torch.equal(batch["case_ids"][0], batch["case_ids"][1])
    before = cased(**batch).logits["entities"]
    # zero case vectors: the same outputs as the model without case features, and both spellings alike
    torch.testing.assert_close(before, plain(**batch).logits["entities"])
    torch.testing.assert_close(before[0], before[1])
    with torch.no_grad():
        cased.case_embeddings.weight.normal_()
    after = cased(**batch).logits["entities"]
    assert (after[0] - after[1]).abs().max() > 1e-3  # now "Hama" and "hama" differ
    no_case = {k: v for k, v in batch.items() if k != "case_ids"}
    with pytest.raises(ValueError, match="case_ids"):
        cased(**no_case)


def test_case_features_train_save_and_tag_from_the_folder(tmp_path):
    torch.set_num_threads(1)
    cfg = load_config(PROJECT_ROOT / "configs" / "tiny.yaml", ["case_features=true", "train.epochs=1"])
    result = train(cfg, tmp_path / "run")
    folder = tmp_path / "run"
    model = ConflictEventsModel.from_pretrained(folder)
    assert model.config.case_features and model.case_embeddings is not None
    assert model.case_embeddings.weight.abs().sum() > 0  # trained away from zero
    assert result.metrics["run"]["case_features"] is True
    tagger = Tagger.from_pretrained(folder)
    cased, lower = tagger(
        ["Soldiers entered Hama on Monday.", "soldiers entered hama on monday."], events=False
    )
    assert cased.labels.keys() == lower.labels.keys()
    # the same text lowercased reaches the encoder as the same ids: only case can make the spans' scores differ
    scores = [
        [s.score for s in r.spans["entities"]] + [s.score for s in r.spans["roles"]] for r in (cased, lower)
    ]
    probs = [r.sentences[0].labels["event_type"][0].score for r in (cased, lower)]
    assert scores != [] and (scores[0] != scores[1] or probs[0] != probs[1])
