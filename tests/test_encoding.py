"""Examples -> windows with targets: BIO alignment, windows that open mid-span, masking, bad labels."""

import pytest
from transformers import AutoTokenizer

from inference.decode.spans import decode_spans, merge_window_probs
from inference.model.configuration import HeadSpec
from inference.model.modeling import IGNORE
from training.data.canonical import DataError, Example
from training.targets import collate, encode_examples

HEADS = [
    HeadSpec(name="entities", kind="token", labels=["Organisation", "Location"]),
    HeadSpec(name="event_type", kind="sequence", labels=["none", "Battles"]),
    HeadSpec(name="topics", kind="sequence", problem_type="multi_label", labels=["a", "b"]),
]
TEXT = "the police attacked the rebels in the capital city near the north village"


@pytest.fixture(scope="module")
def tok(tiny_encoder):
    return AutoTokenizer.from_pretrained(tiny_encoder)


def _span(text, mention, label):
    s = text.index(mention)
    return (s, s + len(mention), label)


def test_targets_round_trip_through_the_span_decoder_across_windows(tok):
    import numpy as np

    spans = [
        _span(TEXT, "the police", "Organisation"),
        _span(TEXT, "the capital city near the north village", "Location"),
    ]
    ex = Example("a", TEXT, spans={"entities": spans}, labels={"event_type": ["Battles"]})
    enc = encode_examples([ex], tok, HEADS, max_length=8, stride=3)[0]
    assert len(enc.windows) > 2  # the location span is cut by window boundaries
    bio = HEADS[0].bio_labels
    windows = []
    for w, tags in zip(enc.windows, enc.token_tags["entities"]):
        keep = [i for i, wid in enumerate(w.word_ids) if wid is not None]
        assert all(tags[i] != IGNORE for i in keep) and all(
            tags[i] == IGNORE for i in range(len(w)) if i not in keep
        )
        probs = np.eye(len(bio))[[tags[i] for i in keep]]
        windows.append((probs, [w.offsets[i] for i in keep], [w.word_ids[i] for i in keep]))
    decoded = decode_spans(*merge_window_probs(windows), bio)
    assert [(s.start, s.end, s.label) for s in decoded] == sorted(spans)


def test_collate_masks_absent_heads_and_keeps_empty_ones(tok):
    exs = [
        Example(
            "a", "rebels attacked", spans={"entities": []}, labels={"event_type": ["Battles"], "topics": []}
        ),
        Example("b", "police in the city", labels={"topics": ["b"]}),
    ]
    batch = collate(encode_examples(exs, tok, HEADS, max_length=16, stride=4), HEADS, tok.pad_token_id)
    ent = batch["labels"]["entities"]
    assert (ent[0][batch["attention_mask"][0] > 0][1:-1] == 0).all()  # known empty -> all O
    assert (ent[1] == IGNORE).all()  # absent -> ignored
    assert batch["labels"]["event_type"].tolist() == [1, IGNORE]
    assert batch["labels"]["topics"].tolist() == [[0.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    "example, fragment",
    [
        (Example("x", "rebels attacked", spans={"entities": [(0, 6, "Weapon")]}), "'Weapon' is not a label"),
        (
            Example("x", "rebels attacked", spans={"entities": [(0, 10, "Location"), (7, 15, "Location")]}),
            "overlap",
        ),
        (Example("x", "rebels attacked", labels={"event_type": ["Riots"]}), "not labels of head"),
        (Example("x", "rebels attacked", labels={"event_type": ["none", "Battles"]}), "exactly one label"),
    ],
)
def test_bad_training_labels_name_example_and_field(tok, example, fragment):
    with pytest.raises(DataError) as err:
        encode_examples([example], tok, HEADS, max_length=16, stride=4, source="train.jsonl")
    assert fragment in str(err.value) and "'x'" in str(err.value) and err.value.file == "train.jsonl"


class _TwoWindowTokenizer:
    """A tokenizer that, like tokenizers 0.23.2, returns only the first two overflow windows."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __call__(self, *args, **kwargs):
        enc = self._inner(*args, **kwargs)
        if kwargs.get("return_overflowing_tokens"):
            for key in list(enc.keys()):
                enc[key] = enc[key][:2]
        return enc


def test_a_tokenizer_that_drops_overflow_windows_is_refused_before_it_cuts_texts(
    tiny_encoder, tmp_path, monkeypatch
):
    import inference.model.folder as model_folder
    from inference import Tagger
    from inference.model.folder import ModelLoadError
    from inference.text.windows import tokenize_windows

    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    assert len(tokenize_windows(tok, ["rebels attacked the village " * 20], max_length=16, stride=4)) > 2
    with pytest.raises(RuntimeError, match=r"tokenizers>=0.23.3"):
        fresh = AutoTokenizer.from_pretrained(tiny_encoder)  # `tok` is marked as probed already
        tokenize_windows(_TwoWindowTokenizer(fresh), ["rebels attacked"], max_length=16, stride=4)
    # loading a model folder with such a tokenizer is one clear ModelLoadError
    from inference import ConflictEventsModel

    ConflictEventsModel.from_encoder(str(tiny_encoder), HEADS).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    real = model_folder.AutoTokenizer.from_pretrained
    monkeypatch.setattr(
        model_folder.AutoTokenizer, "from_pretrained", lambda *a, **k: _TwoWindowTokenizer(real(*a, **k))
    )
    with pytest.raises(ModelLoadError, match="windows"):
        Tagger.from_pretrained(tmp_path)
