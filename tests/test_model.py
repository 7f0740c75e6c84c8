"""The multi-head model: save/load, loss masking, parent-consistent decoding, span decoding, config errors;
model folders whose config does not fit the weights, evaluation data with labels the model lacks."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from inference import ConflictEventsConfig, ConflictEventsModel
from inference.decode.labels import decode_sequence_heads, head_probabilities
from inference.decode.spans import decode_spans, merge_window_probs

HEADS = [
    {"name": "entities", "kind": "token", "labels": ["Person", "Location"]},
    {
        "name": "event_type",
        "kind": "sequence",
        "labels": ["none", "Battles", "Protests"],
        "descriptions": {
            "Battles": "armed clash between forces",
            "Protests": "people demonstrate peacefully",
        },
    },
    {
        "name": "sub_event_type",
        "kind": "sequence",
        "labels": ["none", "Armed clash", "Peaceful protest"],
        "parent": "event_type",
        "parent_map": {"none": "none", "Armed clash": "Battles", "Peaceful protest": "Protests"},
    },
    {"name": "topics", "kind": "sequence", "problem_type": "multi_label", "labels": ["a", "b", "c"]},
]


@pytest.fixture(scope="module")
def model_and_tok(tiny_encoder):
    torch.manual_seed(0)
    return ConflictEventsModel.from_encoder(str(tiny_encoder), HEADS), AutoTokenizer.from_pretrained(
        tiny_encoder
    )


def _batch(tok):
    return tok(
        ["rebels attacked the village", "police arrested two men in the city"],
        padding=True,
        return_tensors="pt",
    )


def test_save_load_gives_identical_logits_and_needs_only_the_folder(model_and_tok, tmp_path):
    model, tok = model_and_tok
    model.eval()
    enc = _batch(tok)
    before = model(**enc).logits
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and not list(tmp_path.glob("*.bin"))
    loaded = AutoModel.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, ConflictEventsModel)
    assert loaded.config.head("sub_event_type").parent_map["Armed clash"] == "Battles"
    after = loaded(**enc).logits
    assert set(before) == set(after)
    for name in before:
        torch.testing.assert_close(before[name], after[name], rtol=0, atol=0)


def test_label_vectors_start_at_description_embeddings(model_and_tok):
    model, tok = model_and_tok
    head = model.sequence_heads["event_type"]
    emb = model.embed_texts(["armed clash between forces"], tok)[0]
    cos = torch.nn.functional.cosine_similarity(head.label_vectors[1], emb, dim=0)
    assert cos > 0.999
    assert head.has_anchor.tolist() == [0.0, 1.0, 1.0]  # 'none' had no description: named, not anchored


def _grads(model, labels, enc):
    model.zero_grad()
    model.train()
    out = model(**enc, labels=labels)
    out.loss.backward()
    return out, {
        n: (p.grad is not None and p.grad.abs().sum().item() > 0) for n, p in model.named_parameters()
    }


def test_absent_head_adds_no_loss_but_empty_is_a_negative(model_and_tok):
    model, tok = model_and_tok
    enc = _batch(tok)
    # topics absent for both examples (row of -100 = unknown): no loss, no gradient into its bias
    unknown = torch.full((2, 3), -100.0)
    out, grads = _grads(model, {"topics": unknown, "event_type": torch.tensor([1, 2])}, enc)
    assert out.losses["topics"].item() == 0.0
    assert not grads["sequence_heads.topics.bias"]
    assert grads["sequence_heads.event_type.bias"]
    # known empty (all zeros) is a real negative: loss and gradient
    out, grads = _grads(model, {"topics": torch.zeros(2, 3)}, enc)
    assert out.losses["topics"].item() > 0 and grads["sequence_heads.topics.bias"]
    # a head missing from labels entirely is not in losses and not trained
    assert "entities" not in out.losses and not grads["token_heads.entities.weight"]
    # token head: all-ignored windows give zero loss; all-O windows (known no entities) give a loss
    ignore = torch.full(enc["input_ids"].shape, -100)
    out, _ = _grads(model, {"entities": ignore}, enc)
    assert out.losses["entities"].item() == 0.0
    out, grads = _grads(model, {"entities": torch.where(enc["attention_mask"] > 0, 0, -100)}, enc)
    assert out.losses["entities"].item() > 0 and grads["token_heads.entities.weight"]


def test_windows_of_one_example_pool_together(model_and_tok):
    model, tok = model_and_tok
    model.eval()
    enc = tok(["rebels attacked the village", "police arrested two men"], padding=True, return_tensors="pt")
    split = model(**enc, window_example=torch.tensor([0, 1])).logits["event_type"]
    joined = model(**enc, window_example=torch.tensor([0, 0])).logits["event_type"]
    assert split.shape == (2, 3) and joined.shape == (1, 3)
    assert not torch.allclose(joined[0], split[0])


def test_parent_consistency_when_child_and_parent_disagree():
    config = ConflictEventsConfig(
        encoder={
            "model_type": "bert",
            "hidden_size": 8,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 16,
        },
        heads=HEADS,
    )
    # event_type prefers Protests (0.6), sub_event_type prefers Armed clash (0.7): joint decides.
    ev = torch.log(torch.tensor([[0.1, 0.3, 0.6]]))
    sub = torch.log(torch.tensor([[0.1, 0.7, 0.2]]))
    probs = head_probabilities(config, {"event_type": ev, "sub_event_type": sub})
    # joint: none .01, clash .21, protest .12 -> normalised; parent marginals equal the child sums
    np.testing.assert_allclose(probs["sub_event_type"][0], np.array([0.01, 0.21, 0.12]) / 0.34, rtol=1e-5)
    np.testing.assert_allclose(probs["event_type"][0], probs["sub_event_type"][0], rtol=1e-5)
    preds = decode_sequence_heads(config, {"event_type": ev, "sub_event_type": sub})
    assert preds["event_type"][0].labels == ["Battles"]
    assert preds["sub_event_type"][0].labels == ["Armed clash"]
    parent_map = config.head("sub_event_type").parent_map
    for _ in range(50):  # random logits: never inconsistent
        e, s = torch.randn(4, 3), torch.randn(4, 3)
        out = decode_sequence_heads(config, {"event_type": e, "sub_event_type": s})
        for pe, ps in zip(out["event_type"], out["sub_event_type"]):
            assert parent_map[ps.labels[0]] == pe.labels[0]


def test_multilabel_thresholds_per_label():
    heads = [
        {
            "name": "t",
            "kind": "sequence",
            "problem_type": "multi_label",
            "labels": ["a", "b"],
            "thresholds": {"a": 0.9},
        }
    ]
    config = ConflictEventsConfig(encoder={"model_type": "bert"}, heads=heads)
    logits = torch.logit(torch.tensor([[0.8, 0.6], [0.95, 0.4]]))
    preds = decode_sequence_heads(config, {"t": logits})["t"]
    assert [p.labels for p in preds] == [["b"], ["a"]]


@pytest.mark.parametrize(
    "heads, fragment",
    [
        ([{"name": "x", "kind": "sequence", "labels": ["a", "a"]}], "duplicate labels"),
        ([{"name": "x", "kind": "token", "labels": ["B-PER"]}], "span types"),
        (
            [
                {
                    "name": "x",
                    "kind": "sequence",
                    "labels": ["a", "b"],
                    "parent": "nope",
                    "parent_map": {"a": "z", "b": "z"},
                }
            ],
            "not a sequence head",
        ),
        (
            [
                {"name": "p", "kind": "sequence", "labels": ["n", "m"]},
                {
                    "name": "x",
                    "kind": "sequence",
                    "labels": ["a", "b"],
                    "parent": "p",
                    "parent_map": {"a": "n"},
                },
            ],
            "missing ['b']",
        ),
        (
            [{"name": "x", "kind": "sequence", "labels": ["a", "b"], "descriptions": {"c": "?"}}],
            "not in its label list",
        ),
        ([{"name": "x", "kind": "sequence", "labels": ["a"]}], "at least two labels"),
    ],
)
def test_config_errors_say_what_is_wrong(heads, fragment):
    with pytest.raises(ValueError, match=None) as err:
        ConflictEventsConfig(encoder={"model_type": "bert"}, heads=heads)
    assert fragment in str(err.value)


BIO = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def _onehot(tags):
    return np.array([[0.9 if BIO[j] == t else 0.025 for j in range(len(BIO))] for t in tags])


def test_span_decoding_is_word_level():
    # "Rami Abdel Rahman in Hama": 'ab' '##del' split; a word's later sub-tokens follow its first one's tag.
    offsets = [(0, 4), (5, 7), (7, 10), (11, 17), (18, 20), (21, 25)]
    words = [0, 1, 1, 2, 3, 4]
    tags = ["B-PER", "I-PER", "O", "I-PER", "O", "B-LOC"]  # '##del' tagged O: still inside its word
    spans = decode_spans(_onehot(tags), offsets, words, BIO)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 17, "PER"), (21, 25, "LOC")]
    assert all(0.85 < s.score <= 0.9 for s in spans)


def _probs(rows):
    """Rows of {tag: probability}; the rest of each row spread over the other tags."""
    out = []
    for row in rows:
        rest = (1.0 - sum(row.values())) / (len(BIO) - len(row))
        out.append([row.get(tag, rest) for tag in BIO])
    return np.array(out)


def test_span_decoding_repairs_an_inside_tag_that_continues_nothing():
    # "in Hama": argmax says O I-LOC. Best valid path: O B-LOC (0.9 * 0.3) beats B-LOC I-LOC (0.05 * 0.6).
    probs = _probs([{"O": 0.9, "B-LOC": 0.05}, {"I-LOC": 0.6, "B-LOC": 0.3, "O": 0.05}])
    spans = decode_spans(probs, [(0, 2), (3, 7)], [0, 1], BIO)
    assert [(s.start, s.end, s.label) for s in spans] == [(3, 7, "LOC")]
    assert spans[0].score == pytest.approx(0.3)
    # "Rami Hama": argmax B-PER I-LOC; best valid path B-PER I-PER (0.9 * 0.3) keeps one PER span over both words
    probs = _probs([{"B-PER": 0.9, "B-LOC": 0.02}, {"I-LOC": 0.5, "I-PER": 0.3, "B-LOC": 0.15}])
    spans = decode_spans(probs, [(0, 4), (5, 9)], [0, 1], BIO)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 9, "PER")]


def _path_logp(probs, path):
    return float(np.log(probs[np.arange(len(path)), path]).sum())


@pytest.mark.parametrize("seed", range(20))
def test_viterbi_finds_the_most_probable_valid_path(seed):
    import itertools

    from inference.decode.spans import _bio_grammar

    rng = np.random.default_rng(seed)
    n_words = int(rng.integers(1, 6))
    probs = rng.dirichlet(np.full(len(BIO), 0.3), size=n_words)
    grammar = _bio_grammar(tuple(BIO))
    valid = [p for p in itertools.product(range(len(BIO)), repeat=n_words) if grammar.valid(np.array(p))]
    best = max(valid, key=lambda p: _path_logp(probs, np.array(p)))
    path = grammar.viterbi(probs)
    assert grammar.valid(path)
    assert _path_logp(probs, path) == pytest.approx(_path_logp(probs, np.array(best)))
    assert not grammar.valid(np.array([BIO.index("I-PER")]))
    assert not grammar.valid(np.array([BIO.index("B-LOC"), BIO.index("I-PER")]))


def test_overlapping_windows_average_by_offset():
    w1 = (_onehot(["B-PER", "O"]), [(0, 4), (5, 9)], [0, 1])
    w2 = (_onehot(["B-LOC", "B-LOC"]), [(5, 9), (10, 12)], [1, 2])
    probs, offsets, words = merge_window_probs([w1, w2])
    assert offsets == [(0, 4), (5, 9), (10, 12)] and words == [0, 1, 2]
    np.testing.assert_allclose(probs[1], (_onehot(["O"])[0] + _onehot(["B-LOC"])[0]) / 2)


# ---- model folders that do not fit their weights or the evaluation data ---------------------------------------
def _edited_copy(model: Path, dst: Path, edit) -> Path:
    shutil.copytree(model, dst)
    cfg = json.loads((dst / "config.json").read_text())
    edit(cfg["heads"])
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def _add_label(heads):
    heads[2]["labels"].append("Riots")


def _drop_roles(heads):
    heads[:] = [h for h in heads if h["name"] != "roles"]


def _rename_roles(heads):
    heads[1]["name"] = "actors"


def _fewer_entity_labels(heads):
    heads[0]["labels"] = heads[0]["labels"][:-1]


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (_add_label, "head 'event_type' has 5 labels in the config but 4 in the weights"),
        (_drop_roles, "head 'roles' is in the weights but not in the config"),
        (_rename_roles, "head 'actors' is in the config but not in the weights"),
        (_fewer_entity_labels, "head 'entities' has 11 BIO tags in the config but 13 in the weights"),
    ],
)
def test_config_whose_heads_do_not_match_the_weights_names_both_files_and_the_fix(
    tiny_model, tmp_path, edit, fragment
):
    from inference.model.folder import ModelLoadError
    from inference.tagger import Tagger

    folder = _edited_copy(tiny_model, tmp_path / "m", edit)
    with pytest.raises(ModelLoadError) as err:
        Tagger.from_pretrained(folder, device="cpu")
    msg = str(err.value)
    assert fragment in msg and f"{folder / 'config.json'} does not match model.safetensors" in msg
    assert "put back the config.json saved with these weights" in msg


def test_eval_data_with_labels_the_model_never_had_is_one_clear_error():
    from training.data.canonical import DataError, Example
    from training.evaluation.heads_command import check_eval_labels

    specs = ConflictEventsConfig(heads=HEADS).head_specs
    good = Example(
        "g", "rebels attacked", spans={"entities": [(0, 6, "Person")]}, labels={"event_type": ["Battles"]}
    )
    check_eval_labels(specs, [good], "dev.jsonl", "runs/x")  # known labels (and heads it lacks) pass
    check_eval_labels(specs, [Example("h", "t", labels={"not_a_head": ["q"]})], "dev.jsonl", "runs/x")
    bad = [good, Example("b", "police", spans={"entities": [(0, 6, "Weapon")]})]
    with pytest.raises(DataError) as err:
        check_eval_labels(specs, bad, "dev.jsonl", "runs/x")
    msg = str(err.value)
    assert msg.startswith("dev.jsonl: field 'spans.entities': example 'b': label 'Weapon'")
    assert (
        "of the model runs/x" in msg
        and "trained with a different label set" in msg
        and "map the data's labels" in msg
    )
    with pytest.raises(DataError, match="label 'Riots' is not a label of head 'event_type'"):
        check_eval_labels(specs, [Example("c", "t", labels={"event_type": ["Riots"]})], "dev.jsonl", "runs/x")


def test_a_half_precision_encoder_folder_gives_a_float32_model(tiny_encoder, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    half = tmp_path / "half"
    AutoModel.from_pretrained(tiny_encoder).to(torch.float16).save_pretrained(half)
    AutoTokenizer.from_pretrained(tiny_encoder).save_pretrained(half)
    heads = [{"name": "event_type", "kind": "sequence", "labels": ["none", "Battles"]}]
    model = ConflictEventsModel.from_encoder(str(half), heads, max_length=32, stride=8)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
