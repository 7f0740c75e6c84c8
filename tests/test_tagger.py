"""The importable Tagger: exact offsets, batching, long texts, article labels, loading rules, int8."""

import copy
import shutil
import subprocess
import sys

import pytest
import torch

from inference import Article, ModelLoadError, Tagger

# Hard-wrapped, blank line after every line, a date prefix line, curly quotes, abbreviations.
ORIGINAL = (
    "date 2021-03-04\n\n"
    "Rebels attacked the northern\n\n"
    "village on Monday, \u201cpolice\u201d said, and Gen. Smith\n\n"
    "said the city was calm.\n\n"
    "Two men were arrested in the\n\n"
    "capital after the attack.\n\n"
)


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return Tagger.from_pretrained(tiny_model, device="cpu")


def force_entities(tagger, monkeypatch, tags):
    """Make the entities head tag chosen vocabulary words (``{"village": "B-Location"}``) and nothing else."""
    bio = tagger.config.head("entities").bio_labels
    forced = {tagger.tokenizer.convert_tokens_to_ids(w): bio.index(t) for w, t in tags.items()}
    original = tagger.model.forward

    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        ids = kwargs["input_ids"]
        logits = torch.full_like(out.logits["entities"], -10.0)
        logits[..., 0] = 10.0
        for token_id, j in forced.items():
            hit = ids == token_id
            logits[hit] = -10.0
            logits[..., j][hit] = 10.0
        out.logits["entities"] = logits
        return out

    monkeypatch.setattr(tagger.model, "forward", forward)


def test_spans_and_sentences_point_into_the_original_text(tagger, monkeypatch):
    force_entities(
        tagger,
        monkeypatch,
        {
            "northern": "B-Location",
            "village": "I-Location",
            "police": "B-Organisation",
            "city": "B-Location",
            "capital": "B-Location",
        },
    )
    [res] = tagger([{"id": "a1", "text": ORIGINAL}])
    assert res.id == "a1" and res.date == "2021-03-04"
    got = [(s.text, s.label, s.start) for s in res.spans["entities"]]
    assert got == [
        ("northern\n\nvillage", "Location", ORIGINAL.index("northern")),
        ("police", "Organisation", ORIGINAL.index("police")),
        ("city", "Location", ORIGINAL.index("city")),
        ("capital", "Location", ORIGINAL.index("capital")),
    ]
    for span in res.spans["entities"] + res.spans["roles"]:
        assert ORIGINAL[span.start : span.end] == span.text
        assert 0.0 < span.score <= 1.0
    assert [s.text.split() for s in res.sentences] == [
        "Rebels attacked the northern village on Monday, \u201cpolice\u201d said, and Gen. Smith said the city was "
        "calm.".split(),
        "Two men were arrested in the capital after the attack.".split(),
    ]
    for sent in res.sentences:
        assert ORIGINAL[sent.start : sent.end] == sent.text
        assert set(sent.labels) == {"event_type", "sub_event_type"}
    assert res.spans_in(res.sentences[1].start, res.sentences[1].end)["entities"][0].text == "capital"


def test_long_sentence_entity_past_token_512_is_found(tagger, monkeypatch):
    force_entities(tagger, monkeypatch, {"province": "B-Location"})
    text = "date 2022-01-01\n" + "the rebels attacked the town and " * 120 + "fled to the province"
    assert len(tagger.tokenizer(text)["input_ids"]) > 700
    one_pass, split = (
        tagger([text], batch_size=b)[0] for b in (64, 2)
    )  # the sentence's windows split batches
    for res in (one_pass, split):
        assert [(s.start, s.end, s.text) for s in res.spans["entities"]] == [
            (text.rindex("province"), len(text), "province")
        ]
    a, b = one_pass.sentences[0], split.sentences[0]
    assert a.labels["event_type"][0].label == b.labels["event_type"][0].label
    assert a.labels["event_type"][0].score == pytest.approx(b.labels["event_type"][0].score, abs=1e-5)


def _summary(res):
    return (
        {h: [(s.start, s.end, s.label) for s in v] for h, v in res.spans.items()},
        {h: [x.label for x in v] for h, v in res.labels.items()},
        [(s.start, s.end, {h: [x.label for x in v] for h, v in s.labels.items()}) for s in res.sentences],
    )


def test_batched_equals_one_at_a_time(tagger):
    texts = [
        ORIGINAL,
        "Police arrested two men.",
        "the rebels fired " * 40 + ". Then calm.",
        "Short.",
        "Protesters marched in the city on Friday. Police fired tear gas. Ten were injured.",
    ]
    batched = tagger(texts, batch_size=8)
    single = [tagger([t], batch_size=1)[0] for t in texts]
    tiny_chunks = tagger(texts, batch_size=3, chunk_size=2)
    for a, b, c in zip(batched, single, tiny_chunks):
        assert _summary(a) == _summary(b) == _summary(c)
        for x, y in zip(a.labels["event_type"], b.labels["event_type"]):
            assert x.score == pytest.approx(y.score, abs=1e-5)


def test_inputs_in_order_unchanged_and_every_kind_accepted(tagger):
    class Doc:
        def __init__(self, id, text):
            self.id, self.text = id, text

    items = [
        {"id": "d", "text": ORIGINAL, "date": "2020-01-01", "extra": [1]},
        "Rebels attacked.",
        Article("x", "Police left.", None),
        Doc(7, "The city was calm."),
    ]
    before = copy.deepcopy(items[0])
    results = tagger(items)
    assert items[0] == before
    assert [r.id for r in results] == ["d", None, "x", "7"]
    assert results[0].date == "2020-01-01"  # the record's date wins over the text's prefix
    assert results[1].sentences[0].text == "Rebels attacked."
    d = results[0].to_dict(ndigits=3)
    assert set(d) == {"id", "date", "spans", "labels", "sentences", "events", "model"}
    assert d["model"]["name"] == tagger.model_info["name"] and len(d["model"]["sha256"]) == 64


def test_empty_article_gives_an_empty_result(tagger):
    [res] = tagger(["  \n\n "])
    assert res.sentences == [] and res.labels == {"event_type": [], "sub_event_type": []}
    assert res.spans == {"entities": [], "roles": []}


def test_wrong_inputs_are_refused(tagger):
    with pytest.raises(TypeError, match="list of articles"):
        tagger("one string")
    with pytest.raises(TypeError, match="item 1: 'text' must be a string"):
        tagger(["ok", {"id": "a", "text": 3}])


def test_all_scores_and_parent_consistent_article_labels(tagger):
    texts = [
        "Rebels attacked the village. Police arrested two men. Protesters marched.",
        "the army fired on the town. " * 6,
    ]
    parent_map = tagger.config.head("sub_event_type").parent_map
    for res in tagger(texts, all_scores=True):
        assert set(res.all_scores["event_type"]) == set(tagger.config.head("event_type").labels)
        for head, labels in res.labels.items():
            for x in labels:  # the whole text's probability (all tokens pooled), or a sentence's
                sentence_best = max(s.all_scores[head][x.label] for s in res.sentences)
                assert x.score in (pytest.approx(res.all_scores[head][x.label]), pytest.approx(sentence_best))
        parents = {x.label for x in res.labels["event_type"]}
        assert {parent_map[x.label] for x in res.labels["sub_event_type"]} <= parents


def _copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_load_errors_name_the_file_and_the_fix(tiny_model, tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        Tagger.from_pretrained(tmp_path / "nope")

    pickled = _copy_model(tiny_model, tmp_path / "pickled")
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"not even a pickle")
    with pytest.raises(
        ModelLoadError, match=r"pickle weights \(pytorch_model.bin\).*refused.*save_pretrained"
    ):
        Tagger.from_pretrained(pickled)

    corrupt = _copy_model(tiny_model, tmp_path / "corrupt")
    weights = corrupt / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match=r"model\.safetensors could not be loaded.*corrupt"):
        Tagger.from_pretrained(corrupt)

    no_config = _copy_model(tiny_model, tmp_path / "no-config")
    (no_config / "config.json").unlink()
    with pytest.raises(ModelLoadError, match=r"config\.json is missing"):
        Tagger.from_pretrained(no_config)

    bad_config = _copy_model(tiny_model, tmp_path / "bad-config")
    (bad_config / "config.json").write_text("{oops")
    with pytest.raises(ModelLoadError, match=r"config\.json is not valid JSON"):
        Tagger.from_pretrained(bad_config)

    no_tok = _copy_model(tiny_model, tmp_path / "no-tokenizer")
    for p in no_tok.glob("tokenizer*"):
        p.unlink()
    with pytest.raises(ModelLoadError, match="tokenizer"):
        Tagger.from_pretrained(no_tok)


def test_options_are_checked(tiny_model):
    with pytest.raises(ValueError, match="max_length must be between"):
        Tagger.from_pretrained(tiny_model, device="cpu", max_length=100_000)
    with pytest.raises(ValueError, match="quantize"):
        Tagger.from_pretrained(tiny_model, device="cpu", quantize="int4")
    short = Tagger.from_pretrained(tiny_model, device="cpu", max_length=16)
    assert short.max_length == 16 and short.stride < 14


def test_int8_quantization_runs_without_leaking_warnings(tiny_model, tagger):
    q = Tagger.from_pretrained(tiny_model, device="cpu", quantize="int8")
    assert any(type(m).__name__ == "Int8Linear" for m in q.model.encoder.modules())
    texts = ["Rebels attacked the village on Monday. Police arrested two men.", ORIGINAL]
    for a, b in zip(q(texts), tagger(texts)):
        assert [(s.start, s.end) for s in a.sentences] == [(s.start, s.end) for s in b.sentences]
        assert a.labels["event_type"][0].score == pytest.approx(b.labels["event_type"][0].score, abs=0.1)


def test_importing_inference_loads_no_training_module():
    code = (
        "import sys, inference, inference.batch.cli, inference.batch.readers, inference.batch.writers, inference.tagger; "
        "bad = sorted(m for m in sys.modules if m == 'training' or m.startswith('training.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_events_false_skips_event_records_and_says_so(tagger, monkeypatch):
    import inference.tagger as tagger_module

    texts = [ORIGINAL, "Rebels attacked the village. Police arrested two men."]
    with_events = tagger(texts)
    assert all(isinstance(r.events, list) for r in with_events)
    assert all("events" in r.to_dict() for r in with_events)

    def refuse(*args, **kwargs):
        raise AssertionError("add_events called with events=False")

    monkeypatch.setattr(tagger_module, "add_events", refuse)
    for results in (
        tagger(texts, events=False),
        list(tagger.iter_tag(texts, chunk_size=1, events=False)),
        tagger.tag_articles([Article(None, t) for t in texts], events=False),
    ):
        assert [r.events for r in results] == [None, None]
        for a, b in zip(results, with_events):
            d = a.to_dict(4)  # chunk_size=1 pads passes differently: scores agree to float noise
            assert "events" not in d
            assert d == {k: v for k, v in b.to_dict(4).items() if k != "events"}
