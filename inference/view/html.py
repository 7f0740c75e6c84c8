"""Articles -> one self-contained HTML page: spans coloured by head and label, sentence labels, event records.

Every piece of article text, id, label and score goes through ``html.escape`` (quotes included) before it is
written, and nothing from the data becomes a tag, an attribute name, a class or a URL: anchors and classes are
built from indices only. So a text holding ``<script>`` or ``" onmouseover=`` shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from inference.results import ArticleResult
from inference.view.article import ViewArticle, view_article
from inference.view.style import CHANNELS, PALETTE, stylesheet


class Html(str):
    """A string of HTML that Jupyter shows rendered (``_repr_html_``) and ``print`` shows as source."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: Any) -> str:
    """Text (or a number) safe inside an element or a double-quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def plural(n: int, word: str) -> str:
    """``1 article``, ``2 articles``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def _score(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


class Colours:
    """Which channel (by head) and palette colour (by label, first seen first) each span gets; one per page."""

    def __init__(self) -> None:
        self.heads: dict[str, dict[str, int]] = {}

    def add_head(self, head: str) -> None:
        """Fix a head's channel: heads take background, underline, outline in the order they are added."""
        self.heads.setdefault(head, {})

    def add(self, head: str, label: str) -> str:
        labels = self.heads.setdefault(head, {})
        if label not in labels:
            labels[label] = len(labels) % len(PALETTE)
        return self.css(head, label)

    def css(self, head: str, label: str) -> str:
        channel = CHANNELS[min(list(self.heads).index(head), len(CHANNELS) - 1)]
        return f"{channel}{self.heads[head][label]}"

    def legend(self) -> str:
        """Heads and their labels as coloured chips: background, underline, outline by head."""
        if not self.heads:
            return '<div class="legend"><span class="empty">no spans</span></div>'
        parts = []
        for head, labels in self.heads.items():
            chips = "".join(
                f'<span class="chip span {self.css(head, label)}">{esc(label)}</span>' for label in labels
            )
            parts.append(f'<span><span class="head">{esc(head)}</span>{chips}</span>')
        return '<div class="legend">' + "".join(parts) + "</div>"


def _rows(article: ViewArticle) -> list[tuple[int | None, int, int]]:
    """``(sentence index or None, start, end)`` covering the text in order: sentences and the text between them
    that is not blank (a date line, a heading)."""
    rows: list[tuple[int | None, int, int]] = []
    pos = 0
    text = article.text
    for k, s in sorted(enumerate(article.sentences), key=lambda x: (int(x[1]["start"]), x[0])):
        start, end = int(s["start"]), int(s["end"])
        if start > pos and text[pos:start].strip():
            rows.append((None, pos, start))
        if start >= pos:
            rows.append((k, start, end))
            pos = end
    if text[pos:].strip():
        rows.append((None, pos, len(text)))
    return rows


def _spans_html(article: ViewArticle, start: int, end: int, colours: Colours) -> str:
    """``text[start:end]`` with the spans that touch it wrapped and tagged (spans are clipped to the range)."""
    text = article.text
    spans = [
        (head, s)
        for head, items in article.spans.items()
        for s in items
        if int(s["start"]) < end and int(s["end"]) > start and int(s["start"]) < int(s["end"])
    ]
    cuts = sorted(
        {start, end, *(max(start, int(s["start"])) for _, s in spans)}
        | {min(end, int(s["end"])) for _, s in spans}
    )
    out = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [(h, s) for h, s in spans if int(s["start"]) <= a and int(s["end"]) >= b]
        piece = esc(text[a:b])
        if covering:
            classes = " ".join(colours.add(h, str(s["label"])) for h, s in covering)
            title = "; ".join(f"{h}: {s['label']} {_score(s.get('score'))}".strip() for h, s in covering)
            piece = f'<span class="span {classes}" title="{esc(title)}">{piece}</span>'
        out.append(piece)
        for h, s in covering:
            if min(end, int(s["end"])) == b:
                out.append(f'<sup class="tag {colours.add(h, str(s["label"]))}">{esc(s["label"])}</sup>')
    return "".join(out)


def _labels_html(labels: dict[str, list[dict[str, Any]]]) -> str:
    """``head: label score`` chips; a ``none`` label greyed."""
    parts = []
    for head, items in labels.items():
        for x in items:
            none = " none" if x.get("label") == "none" else ""
            parts.append(
                f'<span class="lab{none}"><span class="h">{esc(head)}:</span> {esc(x.get("label"))} '
                f'<span class="score">{_score(x.get("score"))}</span></span>'
            )
    return "".join(parts)


def _sentence_of(article: ViewArticle, pos: int) -> int | None:
    for k, s in enumerate(article.sentences):
        if int(s["start"]) <= pos < int(s["end"]):
            return k
    return None


def _mentions(items: Iterable[dict[str, Any]] | None) -> str:
    return "; ".join(esc(" ".join(str(x.get("text", "")).split())) for x in items or []) or "-"


def _actor(event: dict[str, Any], side: str) -> str:
    """An actor's mentions, with its ACLED category (``inter1`` / ``inter2``) when the model predicts one."""
    category = event.get(side.replace("actor", "inter"))
    if not category or category == "No actor2":
        return _mentions(event.get(side))
    return f'{_mentions(event.get(side))} <span class="score">({esc(category)})</span>'


def _place(event: dict[str, Any]) -> str:
    """The resolved place of a record (GeoNames name, admin1, country, point), or nothing; a country the model
    inferred (no place or country in the text) is marked so."""
    if event.get("geo_status") not in ("found", "country_only", "inferred_country"):
        return ""
    where = ", ".join(str(x) for x in (event.get("geo_name"), event.get("admin1"), event.get("country")) if x)
    if event.get("geo_status") == "inferred_country":
        where += " (inferred)"
    if event.get("latitude") is not None:
        where += f"; {event['latitude']:.3f}, {event['longitude']:.3f}"
    return f' <span class="score">({esc(where)})</span>'


def _fatalities(event: dict[str, Any]) -> str:
    if event.get("fatalities") is not None:
        return esc(event["fatalities"])
    rng = event.get("fatalities_range")
    if rng:
        return esc(f"{'' if rng[0] is None else rng[0]}-{'' if rng[1] is None else rng[1]}")
    return "-"


def _events_html(article: ViewArticle, n: int) -> str:
    """The event records as a table; each evidence sentence links to its row in the text above."""
    if not article.events:
        return '<p class="empty">no event records</p>'
    head = (
        "<tr><th>#</th><th>type / sub-type</th><th>date</th><th>actor1</th><th>actor2</th><th>location</th>"
        "<th>fatalities</th><th>evidence</th></tr>"
    )
    rows = []
    for i, e in enumerate(article.events, 1):
        kind = esc(e.get("event_type")) + (
            f" / {esc(e['sub_event_type'])}" if e.get("sub_event_type") else ""
        )
        score = _score(e.get("sub_event_type_score") or e.get("event_type_score"))
        date = esc(e.get("date") or "?")
        if e.get("date_mention"):
            date += f' <span class="score">({esc(" ".join(str(e["date_mention"]).split()))})</span>'
        links = []
        for ev in e.get("evidence") or []:
            k = _sentence_of(article, int(ev.get("start", -1)))
            quote = esc(" ".join(str(ev.get("text", "")).split()))
            links.append(
                f'<a href="#a{n}-s{k}" title="{quote}">S{k + 1}</a>' if k is not None else f"<q>{quote}</q>"
            )
        rows.append(
            f'<tr class="event"><td class="num">{i}</td><td>{kind} <span class="score">{score}</span></td>'
            f"<td>{date}</td><td>{_actor(e, 'actor1')}</td><td>{_actor(e, 'actor2')}</td>"
            f"<td>{_mentions(e.get('location'))}{_place(e)}</td><td>{_fatalities(e)}</td><td>{''.join(links)}</td></tr>"
        )
    return f'<table class="events">{head}{"".join(rows)}</table>'


def _article_html(article: ViewArticle, n: int, colours: Colours) -> str:
    title = esc(article.id if article.id is not None else f"article {n + 1}")
    meta = f"date {esc(article.date)} · " if article.date else ""
    meta += f"{plural(len(article.sentences), 'sentence')} · {plural(len(article.events), 'event record')}"
    parts = [f'<article id="a{n}"><h2>{title}</h2><p class="meta">{meta}</p>']
    if article.labels:
        parts.append(f'<p class="artlabels">{_labels_html(article.labels)}</p>')
    if article.text_rebuilt:
        parts.append(
            '<p class="note">The text is rebuilt from the sentences of the output (give the input to see the '
            "article as tagged).</p>"
        )
    rows = []
    for k, start, end in _rows(article):
        body = _spans_html(article, start, end, colours)
        if k is None:
            rows.append(f'<tr class="gap"><td class="num"></td><td>{body}</td><td></td></tr>')
        else:
            labels = _labels_html(article.sentences[k].get("labels") or {})
            rows.append(
                f'<tr class="sent" id="a{n}-s{k}"><td class="num"><a href="#a{n}-s{k}">S{k + 1}</a></td>'
                f'<td class="stext">{body}</td><td class="slabels">{labels}</td></tr>'
            )
    parts.append(f'<table class="text">{"".join(rows)}</table>')
    parts.append(f"<h3>Event records ({len(article.events)})</h3>{_events_html(article, n)}</article>")
    return "".join(parts)


def _views(
    results: Sequence[ArticleResult | dict[str, Any] | ViewArticle], texts: Sequence[str | None] | None
) -> list[ViewArticle]:
    if texts is not None and len(texts) != len(results):
        raise ValueError(f"got {len(results)} results but {len(texts)} texts: give one text per result")
    out = []
    for i, r in enumerate(results):
        text = texts[i] if texts is not None else None
        out.append(r if isinstance(r, ViewArticle) else view_article(r, text))
    return out


def article_html(
    results: Sequence[ArticleResult | dict[str, Any] | ViewArticle], texts: Sequence[str | None] | None = None
) -> Html:
    """The view's body (legend and articles, in a ``.ce-view`` div with its stylesheet): for embedding."""
    views = _views(results, texts)
    colours = Colours()
    for (
        view
    ) in views:  # channels by the heads' order in the results (entities before roles), not by first span
        for head in view.spans:
            colours.add_head(head)
    articles = [_article_html(a, n, colours) for n, a in enumerate(views)]  # colours first, then the legend
    body = "".join(articles) if articles else '<p class="empty">no articles</p>'
    return Html(f'<div class="ce-view"><style>{stylesheet()}</style>{colours.legend()}{body}</div>')


def render_html(
    results: Sequence[ArticleResult | dict[str, Any] | ViewArticle],
    texts: Sequence[str | None] | None = None,
    *,
    title: str = "conflict-events: what the model read",
    subtitle: str | None = None,
) -> Html:
    """One self-contained HTML page (inline CSS, no script, no network) for ``Tagger`` results or
    ``conflict-tag`` records; ``texts[i]`` is result i's article text (needed for records, which lack it)."""
    views = _views(results, texts)
    body = article_html(views)
    n_events = sum(len(v.events) for v in views)
    sub = (
        subtitle
        if subtitle is not None
        else f"{plural(len(views), 'article')} · {plural(n_events, 'event record')}"
    )
    return Html(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no script, no remote anything: a page that only shows
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{esc(title)}</title></head><body>"
        f'<div class="ce-view"><h1>{esc(title)}</h1><p class="meta">{esc(sub)}</p></div>{body}</body></html>\n'
    )
