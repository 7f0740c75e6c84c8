"""The Tagger, conflict-tag, training's dev evaluation and conflict-eval heads read texts along one path
(``inference.prediction``): for the same model and texts they give the same spans and labels, and the scores
training selects checkpoints on are the scores of what conflict-tag writes."""

import json
from pathlib import Path

import pytest

from inference import Tagger
from inference.batch.cli import main as tag_main
from training.data.canonical import Example, load_examples
from training.evaluation.cli import main as eval_main
from training.evaluation.dev_scores import predict, score_head

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    """The sample dev reports, plus the example articles (hard-wrapped, several sentences, unlabelled)."""
    dev = load_examples(ROOT / "examples/sample/dev.jsonl")
    articles = sorted((ROOT / "examples/articles").glob("*.txt"))
    return dev + [Example(id=p.name, text=p.read_text()) for p in articles]


def _spans(result, head):
    return [(s.start, s.end, s.label) for s in result.spans[head]]


def test_tagger_conflict_tag_and_dev_evaluation_give_the_same_spans_and_labels(
    tiny_model, examples, tmp_path
):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    results = tagger([{"id": ex.id, "text": ex.text} for ex in examples], batch_size=8, events=False)
    assert any(len(r.sentences) > 3 for r in results)  # the articles are read sentence by sentence
    found = [s for r in results for h in tagger.token_heads for s in r.spans[h.name]]
    assert found, "the tiny model should tag something, or this test compares empty lists"

    preds = predict(tagger.model, tagger.tokenizer, examples, batch_size=8)
    for i, r in enumerate(results):
        for head in tagger.token_heads:
            assert preds.spans[head.name][i] == _spans(r, head.name), (examples[i].id, head.name)
        for head in tagger.sequence_heads:
            assert preds.labels[head.name][i] == [x.label for x in r.labels[head.name]], examples[i].id
            assert (
                list(preds.probs[head.name][i])
                == pytest.approx([r.all_scores[head.name][x] for x in head.labels])
                if r.all_scores
                else True
            )

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": ex.id, "text": ex.text}) + "\n" for ex in examples))
    out = tmp_path / "out.jsonl"
    assert (
        tag_main(
            [str(src), "--model", str(tiny_model), "-o", str(out), "-q", "--no-events", "--device", "cpu"]
        )
        == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == [ex.id for ex in examples]
    for row, r in zip(rows, results):
        for head in tagger.token_heads:
            assert [(s["start"], s["end"], s["label"]) for s in row[head.name]] == _spans(r, head.name)
        for head in tagger.sequence_heads:
            assert [x["label"] for x in row[head.name]] == [x.label for x in r.labels[head.name]]


def _known_only(ex: Example, tagger: Tagger) -> dict:
    """The example with only the heads whose every label the model knows (the tiny model has fewer labels)."""
    known = {h.name: set(h.labels) for h in tagger.heads}
    spans = {h: v for h, v in ex.spans.items() if h in known and {x[2] for x in v} <= known[h]}
    labels = {h: v for h, v in ex.labels.items() if h in known and set(v) <= known[h]}
    return {"id": ex.id, "text": ex.text, "spans": spans, "labels": labels}


def test_conflict_eval_heads_scores_what_the_tagger_outputs(tiny_model, examples, tmp_path):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    rows = [_known_only(ex, tagger) for ex in examples]
    rows = [r for r in rows if r["spans"] or r["labels"]]
    labelled = [Example(r["id"], r["text"], spans=r["spans"], labels=r["labels"]) for r in rows]
    results = tagger([ex.text for ex in labelled], batch_size=8, events=False)
    data, out = tmp_path / "dev.jsonl", tmp_path / "scores.json"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["heads", "--model", str(tiny_model), "--data", str(data), "--out", str(out), "--batch-size", "8"]
    assert eval_main(args) == 0
    scores = json.loads(out.read_text())["scores"]
    assert {"entities", "event_type"} <= set(scores)
    for spec in tagger.heads:
        annotated = [
            i
            for i, ex in enumerate(labelled)
            if spec.name in (ex.spans if spec.kind == "token" else ex.labels)
        ]
        if not annotated:
            assert spec.name not in scores
            continue
        if spec.kind == "token":
            predicted = [_spans(results[i], spec.name) for i in annotated]
            gold = [labelled[i].spans[spec.name] for i in annotated]
        else:
            predicted = [[x.label for x in results[i].labels[spec.name]] for i in annotated]
            gold = [labelled[i].labels[spec.name] for i in annotated]
        expected = json.loads(json.dumps(score_head(spec, predicted, gold)))
        assert scores[spec.name] == expected, spec.name
