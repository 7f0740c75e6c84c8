"""The served HTML: the form (paste or upload), and the answer (downloads, problems, the article view) below it."""

from __future__ import annotations

from inference.serve.service import Answer, Limits
from inference.view.html import article_html, esc, plural

PAGE_CSS = """
body{margin:0;background:#fafafa}
.form{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:0 auto;
  padding:8px 16px;color:#1b1b1b}
.form h1{font-size:22px;margin:12px 0 2px}
.form .meta{color:#555;font-size:13px;margin:0 0 10px}
.form form{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.form fieldset{border:1px solid #ccc;background:#fff;padding:10px 12px}
.form legend{font-weight:600}
.form textarea{width:100%;box-sizing:border-box;height:180px;font:13px/1.4 ui-monospace,monospace}
.form label{display:block;font-size:13px;margin:6px 0 2px}
.form button{margin-top:8px;padding:6px 16px;font-size:14px}
.form .error{background:#fde2e2;border:1px solid #e59a9a;padding:8px 12px;margin:10px 0;white-space:pre-wrap}
.form .warn{background:#fff6d6;border:1px solid #e8d48a;padding:8px 12px;margin:10px 0;font-size:13px}
.form .done{background:#e3f4e1;border:1px solid #9fcf98;padding:8px 12px;margin:10px 0}
.form .done a{margin-right:14px;font-weight:600}
"""


def page(
    model_name: str,
    limits: Limits,
    *,
    answer: Answer | None = None,
    error: str | None = None,
    text: str = "",
    date: str = "",
) -> str:
    """The whole page: the form (holding back the pasted text and date), then an error or the answer."""
    mb = limits.max_bytes / (1024 * 1024)
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>conflict-serve: {esc(model_name)}</title><style>{PAGE_CSS}</style></head><body>",
        '<div class="form"><h1>What the model reads</h1>',
        f'<p class="meta">model <b>{esc(model_name)}</b> · paste one article, or upload a file of up to '
        f"{limits.max_articles} articles ({mb:g} MB)</p>",
        '<form method="post" action="/tag" enctype="multipart/form-data">',
        '<fieldset><legend>Paste an article</legend><label for="text">Text</label>',
        f'<textarea id="text" name="text" placeholder="Article text">{esc(text)}</textarea>',
        '<label for="date">Date of the article (resolves "Monday", "last week")</label>',
        f'<input id="date" name="date" type="date" value="{esc(date)}">',
        '<br><button type="submit" name="action" value="paste" id="tag-text">Tag the text</button></fieldset>',
        '<fieldset><legend>Or upload a file</legend><label for="file">JSONL or CSV (fields id, text, '
        'optional date) or one .txt article (a first line "date YYYY-MM-DD" dates it)</label>',
        '<input id="file" name="file" type="file" accept=".jsonl,.csv,.txt">',
        '<br><button type="submit" name="action" value="upload" id="tag-file">Tag the file</button>',
        "</fieldset></form>",
    ]
    if error:
        parts.append(f'<div class="error" id="error">{esc(error)}</div>')
    if answer is not None:
        n_events = sum(len(r.events or []) for r in answer.results)
        parts.append(
            f'<div class="done" id="done">{plural(len(answer.results), "article")}, {plural(n_events, "event record")} '
            f"({answer.seconds:.2f} s). Download: "
            f'<a href="/download/{esc(answer.key)}/labels.jsonl" download="labels.jsonl">labels (JSONL)</a>'
            f'<a href="/download/{esc(answer.key)}/events.csv" download="events.csv">events (CSV)</a></div>'
        )
        if answer.problems:
            shown = "".join(f"<li>{esc(p)}</li>" for p in answer.problems[:20])
            more = f"<li>... and {len(answer.problems) - 20} more</li>" if len(answer.problems) > 20 else ""
            parts.append(
                f'<div class="warn" id="problems">{len(answer.problems)} problems (the rest was tagged):'
                f"<ul>{shown}{more}</ul></div>"
            )
    shown = limits.max_shown
    if answer is not None and len(answer.results) > shown:
        parts.append(
            f'<div class="warn" id="shown">The page shows the first {shown} of {len(answer.results)} articles; '
            "the downloads hold them all.</div>"
        )
    parts.append("</div>")
    if answer is not None:
        parts.append(article_html(answer.results[:shown], answer.texts[:shown]))
    parts.append("</body></html>\n")
    return "".join(parts)
