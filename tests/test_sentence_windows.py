"""``sentence_windows``: training reads a text as the Tagger reads an article, so the example's pooled vector is
the Tagger's article vector and its gold spans land on the same tokens."""

import pytest
import torch
from transformers import AutoTokenizer

from inference import Tagger
from inference.decode.spans import decode_spans
from inference.text.processor import prepare_text
from training.data.canonical import Example
from training.targets import collate, encode_examples

TEXTS = [
    "date 2021-03-04\nRebels attacked the\ncapital on Monday. \u201cPolice\u201d said five soldiers died.\n\n"
    "The president will visit the city.",
    "Troops clashed with militants near Gwoza. Three soldiers died.",
    "   ",
]


def _span(text, word, label):
    start = text.index(word)
    return [start, start + len(word), label]


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return Tagger.from_pretrained(tiny_model, device="cpu")


def test_a_training_example_pools_like_the_taggers_article(tagger):
    model, tok = tagger.model, tagger.tokenizer
    examples = [Example(f"t{i}", t) for i, t in enumerate(TEXTS)]
    enc = encode_examples(
        examples, tok, tagger.heads, max_length=tagger.max_length, stride=tagger.stride, sentence_windows=True
    )
    batch = collate(enc, tagger.heads, tok.pad_token_id)
    batch.pop("labels")
    with torch.inference_mode():
        trained = model(**batch).pooled
    tagged = tagger.predictor.embed(TEXTS)
    torch.testing.assert_close(trained[:2], tagged[:2], atol=1e-5, rtol=1e-4)
    assert not tagged[2].any()  # a blank text has no sentence: no vector, and the Tagger gives it no labels
    whole = encode_examples(
        examples[:1], tok, tagger.heads, max_length=tagger.max_length, stride=tagger.stride
    )
    assert sum(len(w) for w in whole[0].windows) != sum(len(w) for w in enc[0].windows)  # a different reading


def test_gold_spans_land_on_the_normalised_sentences(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    text = TEXTS[0]
    spans = [
        _span(text, "Rebels", "Organisation"),
        _span(text, "the\ncapital", "Location"),
        _span(text, "Police", "Organisation"),
    ]
    from inference.model.configuration import HeadSpec

    heads = [HeadSpec("entities", "token", ["Organisation", "Location"])]
    [enc] = encode_examples(
        [Example("a", text, spans={"entities": spans})],
        tok,
        heads,
        max_length=32,
        stride=8,
        sentence_windows=True,
    )
    prep = prepare_text(text)
    bio = heads[0].bio_labels
    found = []
    sentence_starts = [a for a, _ in prep.sentences]
    for k, (w, tags) in enumerate(zip(enc.windows, enc.token_tags["entities"])):
        keep = [t for t, wid in enumerate(w.word_ids) if wid is not None]
        probs = torch.nn.functional.one_hot(torch.tensor([tags[t] for t in keep]), len(bio)).float().numpy()
        start = sentence_starts[k]  # one window per sentence here
        for s in decode_spans(probs, [w.offsets[t] for t in keep], [w.word_ids[t] for t in keep], bio):
            a, b = prep.to_original(start + s.start, start + s.end)
            found.append([a, b, s.label])
    assert found == spans


def test_a_run_with_sentence_windows_trains_on_other_windows_and_says_so(tmp_path):
    import json

    from training.config import PROJECT_ROOT, load_config
    from training.trainer import load_tokenizer, prepare_data

    tiny = PROJECT_ROOT / "configs" / "tiny.yaml"
    plain, split = load_config(tiny), load_config(tiny, ["sentence_windows=true"])
    _, tok = load_tokenizer(plain.config.encoder, seed=plain.config.seed)
    windows = [sum(len(e.windows) for e in prepare_data(c, tok).encoded) for c in (plain, split)]
    assert windows[1] > windows[0]  # the sample reports have several sentences: more, shorter windows
    from training.trainer import train

    train(
        load_config(tiny, ["sentence_windows=true", "train.epochs=1", "train.zero_shot_baseline=false"]),
        tmp_path,
    )
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["training_config"]["sentence_windows"] is True
