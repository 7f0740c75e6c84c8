"""The article view: every text shows as text (hostile text included), spans and evidence land where they belong,
and a conflict-tag record renders like the Tagger result it came from."""

from __future__ import annotations

import json
import re

import pytest
from html_checks import HOSTILE, assert_no_injected_markup, parse

from inference import Tagger
from inference.batch import cli as tag_cli
from inference.batch.output_record import output_record
from inference.view import cli as view_cli
from inference.view import render_html, view_article


def record(text: str) -> dict:
    """A conflict-tag record by hand: overlapping spans of two heads, one crossing a sentence end, an event."""
    s1_end = text.index("Monday.") + len("Monday.")
    s2_start = text.index("Police")
    kabul = text.index('"Kabul"')
    rebels = text.index("Rebels")
    return {
        "id": 'id"><script>alert(2)</script>',
        "entities": [
            {"start": rebels, "end": rebels + 6, "label": "Organisation", "text": "Rebels", "score": 0.9},
            {"start": kabul + 1, "end": kabul + 6, "label": "Location<i>", "text": "Kabul", "score": 0.8},
            {"start": s1_end - 7, "end": s2_start + 6, "label": "Temporal", "text": "", "score": 0.5},
        ],
        "roles": [{"start": rebels, "end": rebels + 6, "label": "S", "text": "Rebels", "score": 0.7}],
        "event_type": [{"label": "Battles", "score": 0.8}],
        "sentences": [
            {
                "start": 0,
                "end": s1_end,
                "text": text[:s1_end],
                "labels": {"event_type": [{"label": "Battles", "score": 0.8}]},
            },
            {
                "start": s2_start,
                "end": len(text),
                "text": text[s2_start:],
                "labels": {"event_type": [{"label": "none", "score": 0.6}]},
            },
        ],  # fmt: skip
        "events": [
            {
                "event_type": "Battles",
                "event_type_score": 0.8,
                "sub_event_type": "Armed clash",
                "sub_event_type_score": 0.7,
                "date": "2020-06-08",
                "date_mention": "Monday",
                "actor1": [{"text": "Rebels", "start": rebels, "end": rebels + 6}],
                "actor2": [],
                "actors": [],
                "location": [{"text": '"Kabul" <svg onload=x>', "start": kabul, "end": kabul + 7}],
                "fatalities": 4,
                "fatalities_range": None,
                "evidence": [
                    {"text": text[:s1_end], "start": 0, "end": s1_end},
                    {"text": text[s2_start:], "start": s2_start, "end": len(text)},
                ],
            }
        ],
        "date": "2020-06-08",
        "model": {"name": "m", "sha256": "0"},
    }


def test_hostile_text_ids_and_labels_show_as_text_and_inject_nothing():
    text = "date 2020-06-08\n" + HOSTILE
    page = render_html([record(text)], [text])
    parsed = assert_no_injected_markup(page)
    shown = "".join(parsed.text)
    assert "<script>" not in page.replace("&lt;script&gt;", "")
    assert "evil()" in shown and 'id"><script>alert(2)</script>' in shown
    assert "Location<i>" in shown and '"Kabul" <svg onload=x>' in shown
    # the visible article text (sentences and the date line) is the input text, in order, nothing lost
    cells = re.findall(r'<td class="stext">(.*?)</td>', page, flags=re.S)
    row_text = "".join(
        parse(re.sub(r"<sup[^>]*>.*?</sup>", "", "".join(cells), flags=re.S)).text
    )  # without span tags
    assert row_text == text.replace("Monday. Police", "Monday.Police")


def test_spans_sentences_and_evidence_links_land_where_they_belong():
    text = HOSTILE
    page = render_html([record(text)], [text])
    parsed = parse(page)
    # both heads of "Rebels" on one element: background (head 0) and underline (head 1) channels
    rebels = [a for t, a in parsed.tags if t == "span" and "entities: Organisation" in (a.get("title") or "")]
    assert rebels and "b0" in rebels[0]["class"] and "u0" in rebels[0]["class"]
    assert "roles: S" in rebels[0]["title"]
    # the span that crosses the sentence end is cut in two, one piece per sentence row
    assert sum("entities: Temporal" in (a.get("title") or "") for t, a in parsed.tags) == 2
    links = [a["href"] for t, a in parsed.tags if t == "a" and "S" in (a.get("title") or "S")]
    evidence = [h for h in links if h in ("#a0-s0", "#a0-s1")]
    assert {"#a0-s0", "#a0-s1"} <= set(evidence) and {"a0-s0", "a0-s1"} <= parsed.ids
    legend = page.split('<div class="legend">', 1)[1].split("</div>", 1)[0]
    assert (
        "entities" in legend
        and "roles" in legend
        and "Organisation" in legend
        and "Location&lt;i&gt;" in legend
    )


def test_a_record_renders_like_the_tagger_result_it_came_from(tiny_model):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    texts = [
        "date 2020-06-08\nRebels attacked the town of Goma on Monday, killing 4 soldiers. Police fled.",
        HOSTILE,
    ]
    results = tagger([{"id": str(i), "text": t} for i, t in enumerate(texts)])
    from_results = render_html(results, texts)
    from_records = render_html([output_record(r, tagger.heads) for r in results], texts)
    assert from_results == from_records
    assert_no_injected_markup(from_results)
    with pytest.raises(ValueError, match="2 results but 1 texts"):
        render_html(results, texts[:1])
    assert view_article(results[0]).text_rebuilt and not view_article(results[0], texts[0]).text_rebuilt


def test_conflict_view_takes_texts_from_the_input_or_rebuilds_them(tiny_model, tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "text": HOSTILE, "date": "2020-06-08"},
        {"id": "b", "text": "Police fired on a march."},
    ]
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    labels = tmp_path / "labels.jsonl"
    assert tag_cli.main([str(inp), "--model", str(tiny_model), "-o", str(labels), "-q"]) == 0
    report = tmp_path / "report.html"
    assert view_cli.main([str(labels), "--input", str(inp), "-o", str(report)]) == 0
    page = report.read_text()
    assert_no_injected_markup(page)
    assert "rebuilt" not in page and "2 articles" in capsys.readouterr().out
    assert view_cli.main([str(labels), "-o", str(report), "--limit", "1"]) == 0
    assert "rebuilt from the sentences" in report.read_text() and "1 article," in capsys.readouterr().out
    (tmp_path / "bad.jsonl").write_text('{"id": "a"}\n')
    assert view_cli.main([str(tmp_path / "bad.jsonl"), "-o", str(report)]) == 2
    assert "bad.jsonl:1: not a conflict-tag record" in capsys.readouterr().err


def test_the_events_table_shows_the_resolved_place_and_never_a_made_up_point():
    from inference.view.html import _place

    found = {"geo_status": "found", "geo_name": "Hama", "admin1": "Hama", "country": "Syria", "latitude": 35.13179,
             "longitude": 36.75783}  # fmt: skip
    assert "Hama, Hama, Syria; 35.132, 36.758" in _place(found)
    assert "Syria" in _place(
        {"geo_status": "country_only", "geo_name": "Syria", "country": "Syria", "latitude": None}
    )
    assert ";" not in _place({"geo_status": "country_only", "country": "Syria", "latitude": None})
    inferred = _place(
        {"geo_status": "inferred_country", "geo_name": "Syria", "country": "Syria", "latitude": None}
    )
    assert "Syria" in inferred and "(inferred)" in inferred
    assert _place({"geo_status": "not_found"}) == "" and _place({}) == ""


def test_actor_categories_show_beside_the_actors_and_in_the_events_csv():
    import csv
    import io

    from inference.results import ArticleResult
    from inference.serve.exports import events_csv
    from inference.view.html import _actor

    event = {
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": [{"text": "regime forces"}],
        "actor2": [{"text": "<b>Hurras</b>"}],
        "inter1": "State forces",
        "inter2": "Rebel group",
        "interaction": 12,
    }
    assert _actor(event, "actor1") == 'regime forces <span class="score">(State forces)</span>'
    assert "&lt;b&gt;Hurras" in _actor(event, "actor2") and "(Rebel group)" in _actor(event, "actor2")
    assert "score" not in _actor({**event, "inter2": "No actor2"}, "actor2")
    assert "score" not in _actor({"actor1": [{"text": "x"}]}, "actor1")  # a model without the heads
    result = ArticleResult(id="a", date=None, spans={}, labels={}, sentences=[], model={}, events=[event])
    (row,) = csv.DictReader(io.StringIO(events_csv([result]).decode()))
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("State forces", "Rebel group", "12")
