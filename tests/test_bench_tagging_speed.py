"""The inference benchmark's dev scoring: `none` gold as training reads it, article labels by threshold."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from inference import LabelScore, Tagger

_spec = importlib.util.spec_from_file_location(
    "bench_tagging_speed", Path(__file__).resolve().parents[1] / "bench" / "tagging_speed.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

TEXTS = [
    "Rebels attacked the village on Monday. Police arrested two men. Protesters marched in the city.",
    "The army fired on the town. Ten people were killed. The market stayed closed.",
    "Prices rose in March.",
    "Protesters marched on Friday. Police fired tear gas. Two were hurt. The rebels attacked a base.",
]


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return Tagger.from_pretrained(tiny_model, device="cpu")


def _dev(tmp_path, labels):
    path = tmp_path / "dev.jsonl"
    rows = [
        {"id": f"d{i}", "text": t, "spans": {}, "labels": {"event_type": ev, "sub_event_type": sub}}
        for i, (t, (ev, sub)) in enumerate(zip(TEXTS, labels))
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_dev_f1_reads_an_empty_gold_list_as_none(tagger, tmp_path):
    class Fixed:
        """A tagger stand-in whose article labels are given: none, Battles, none, Protests."""

        heads = tagger.heads

        def __call__(self, items, batch_size, events=True):
            labels = [("none", "none"), ("Battles", "Armed clash"), ("none", "none"), ("Protests", "Attack")]
            return [
                SimpleNamespace(
                    spans={},
                    labels={"event_type": [LabelScore(ev, 0.9)], "sub_event_type": [LabelScore(sub, 0.9)]},
                )
                for ev, sub in labels[: len(items)]
            ]

    gold = [([], []), (["Battles"], ["Armed clash"]), ([], []), (["Protests"], ["Peaceful protest"])]
    scores = bench.dev_f1({"tagger_fp32": Fixed()}, [_dev(tmp_path, gold)], batch_size=8)
    assert scores["event_type"]["tagger_fp32"] == pytest.approx(1.0)  # the two `none` articles are hits
    assert scores["sub_event_type"]["tagger_fp32"] == pytest.approx(0.75)


def test_article_label_f1_recomputes_the_taggers_own_rule_at_each_threshold(tiny_model, tmp_path):
    gold = [(["Battles"], ["Armed clash"]), ([], []), ([], []), (["Protests"], ["Peaceful protest"])]
    dev = [_dev(tmp_path, gold)]
    sweep = bench.article_label_f1(
        Tagger.from_pretrained(tiny_model, device="cpu"), dev, batch_size=8, thresholds=(0.0, 0.6, 1.0)
    )
    for tau in (0.0, 0.6, 1.0):
        own = Tagger.from_pretrained(tiny_model, device="cpu", secondary_min_score=tau)
        direct = bench.dev_f1({"tagger_fp32": own}, dev, batch_size=8)
        for head in ("event_type", "sub_event_type"):
            assert sweep[head][f"secondary_min_score={tau:g}"] == pytest.approx(direct[head]["tagger_fp32"])
