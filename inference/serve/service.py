"""What the page does, without HTTP: read a pasted article or an uploaded file, tag it within limits, keep the
downloads of recent answers."""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from inference.batch.readers import Fields, InputError, discover_inputs, iter_file_records
from inference.results import Article, ArticleResult
from inference.serve.exports import events_csv, labels_jsonl
from inference.tagger import Tagger

UPLOAD_SUFFIXES = (".jsonl", ".csv", ".txt")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RequestError(ValueError):
    """A paste or upload that cannot be tagged; the message is for the person on the page."""


@dataclass(frozen=True)
class Limits:
    """Bounds on one request: body size, articles, tagging time, answers kept for download."""

    max_bytes: int = 5 * 1024 * 1024
    max_articles: int = 5000
    max_seconds: float = 300.0  # tagging stops after the chunk that passes this; the page says so
    kept_answers: int = 16
    chunk_size: int = 64  # articles per tagging chunk: the time limit is checked between chunks
    max_shown: int = 200  # articles drawn on the page (a browser chokes on thousands); downloads hold all


@dataclass
class Answer:
    """One tagged request: results, texts, problems to show, and the key of its downloads."""

    results: list[ArticleResult]
    texts: list[str]
    problems: list[str] = field(default_factory=list)  # rejected records, a stop at the time limit
    key: str = ""
    seconds: float = 0.0


def safe_filename(name: str) -> str:
    """An uploaded file's name reduced to a plain base name of letters, digits, dot, dash and underscore."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")
    return base[:100] or "upload"


def pasted_article(text: str, date: str, article_id: str = "") -> Article:
    """The article of the paste form; an empty text or a date that is not YYYY-MM-DD is a RequestError."""
    if not text.strip():
        raise RequestError("paste an article's text (the text box is empty), or choose a file")
    date = date.strip()
    if date and not ISO_DATE.fullmatch(date):
        raise RequestError(f"the date must look like 2020-06-08 (YYYY-MM-DD), got {date[:40]!r}")
    return Article(article_id.strip()[:200] or "pasted article", text, date or None)


class TagService:
    """The loaded Tagger (once, at start), the limits, and the downloads of the last answers."""

    def __init__(self, tagger: Tagger, limits: Limits | None = None, fields: Fields | None = None):
        self.tagger = tagger
        self.limits = limits or Limits()
        self.fields = fields or Fields()
        self._lock = threading.Lock()  # one tagging at a time: the model is shared and CPU-bound
        self._downloads: OrderedDict[str, dict[str, bytes]] = OrderedDict()

    def read_upload(self, filename: str, data: bytes) -> tuple[list[Article], list[str]]:
        """The articles of an uploaded JSONL / CSV / TXT file and the problems of records that cannot be read."""
        name = safe_filename(filename)
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise RequestError(
                f"{name}: unsupported file type; upload a .jsonl or .csv file (fields "
                f"'{self.fields.id}', '{self.fields.text}', optional '{self.fields.date}') or a .txt article"
            )
        if not data.strip():
            raise RequestError(f"{name}: the file is empty")
        articles, problems = [], []
        with tempfile.TemporaryDirectory(prefix="conflict-serve-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            try:
                (source,) = discover_inputs([path])
                for rec in iter_file_records(source, self.fields):
                    if rec.error is not None:
                        where = rec.location.replace(str(path), name)
                        problems.append(f"{where}: {rec.error}")
                        continue
                    if len(articles) == self.limits.max_articles:
                        raise RequestError(
                            f"{name}: more than {self.limits.max_articles} articles; split the file"
                        )
                    articles.append(Article(rec.id, rec.text, rec.date))
            except InputError as e:
                raise RequestError(str(e).replace(str(path), name)) from e
        if not articles:
            shown = "; ".join(problems[:5]) or "no records"
            raise RequestError(f"{name}: no article could be read ({shown})")
        return articles, problems

    def tag(self, articles: list[Article], problems: list[str] | None = None) -> Answer:
        """Tag the articles (stopping between chunks once past the time limit) and keep the downloads."""
        started = time.perf_counter()
        results: list[ArticleResult] = []
        problems = list(problems or [])
        with self._lock:
            for i in range(0, len(articles), self.limits.chunk_size):
                if i and time.perf_counter() - started > self.limits.max_seconds:
                    problems.append(
                        f"stopped at the time limit ({self.limits.max_seconds:g} s): {i} of {len(articles)} "
                        "articles tagged; tag large files with conflict-tag"
                    )
                    break
                results += self.tagger.tag_articles(articles[i : i + self.limits.chunk_size])
        answer = Answer(results, [a.text for a in articles[: len(results)]], problems)
        answer.key = self._keep(results)
        answer.seconds = time.perf_counter() - started
        return answer

    def _keep(self, results: list[ArticleResult]) -> str:
        key = secrets.token_urlsafe(12)
        files = {
            "labels.jsonl": labels_jsonl(results, self.tagger.heads),
            "events.csv": events_csv(results),
        }
        with self._lock:
            self._downloads[key] = files
            while len(self._downloads) > self.limits.kept_answers:
                self._downloads.popitem(last=False)
        return key

    def download(self, key: str, name: str) -> bytes | None:
        """A kept answer's file (``labels.jsonl`` or ``events.csv``), None when unknown or dropped."""
        return self._downloads.get(key, {}).get(name)
