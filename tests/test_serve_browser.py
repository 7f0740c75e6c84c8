"""conflict-serve in a real browser (slow): start the CLI on a free port, open the page in headless Chromium, paste
an article, submit, and read the event records off the rendered page; a screenshot stays in the test's folder.

Uses the tiny test model (its records are whatever the pipeline makes of random weights, checked against the
Tagger's own) unless ``CONFLICT_EVENTS_MODEL`` names a trained model folder: then, for the AFP wire example,
the page must show a Battles / Armed clash record with 41 fatalities. Needs Debian's ``chromium`` package
(``make test-slow`` installs it); skips, saying so, without it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cdp_pipe import Browser, find_chromium
from conftest import REPO, SHARED_DATA

from inference import Tagger

pytestmark = pytest.mark.slow

AFP = SHARED_DATA.parent / "examples" / "afp_2020-06-08_syria.txt"
FALLBACK = REPO / "examples" / "articles" / "borno_checkpoint_attack.txt"


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium not installed (Debian: apt-get install -y chromium; `make test-slow` does it)")
    return binary


@pytest.fixture(scope="module")
def model_dir(tiny_model) -> Path:
    return (
        Path(os.environ["CONFLICT_EVENTS_MODEL"]) if os.environ.get("CONFLICT_EVENTS_MODEL") else tiny_model
    )


@pytest.fixture(scope="module")
def served(model_dir):
    """``conflict-serve --port 0`` as a user starts it; its URL and start-up seconds."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference.serve.cli", "--model", str(model_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO,
    )
    line = proc.stdout.readline()
    match = re.search(r"open (http://127\.0\.0\.1:\d+)/", line)
    assert match, f"conflict-serve said {line!r} (exit {proc.poll()})"
    yield match[1], time.perf_counter() - started
    proc.terminate()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_a_pasted_article_shows_its_event_records_in_chromium(chromium, served, model_dir, tmp_path):
    url, startup = served
    text_file = AFP if AFP.is_file() else FALLBACK
    text = text_file.read_text(encoding="utf-8")
    browser = Browser(chromium, tmp_path / "profile")
    try:
        browser.goto(url + "/")
        assert browser.wait_for("document.getElementById('tag-text') !== null")
        browser.evaluate(
            f"document.getElementById('text').value = {json.dumps(text)};"
            "document.getElementById('date').value = '2020-06-08';"
            "document.getElementById('tag-text').click(); true"
        )
        done = browser.wait_for(
            "document.getElementById('done') && document.getElementById('done').innerText"
        )
        rows = browser.evaluate(
            "JSON.stringify([...document.querySelectorAll('table.events tr.event')]"
            ".map(tr => [...tr.cells].map(td => td.innerText.trim())))"
        )
        links_ok = browser.evaluate(
            "[...document.querySelectorAll('table.events a')].every(a => document.getElementById("
            "a.getAttribute('href').slice(1)) !== null)"
        )
        shot = browser.screenshot(tmp_path / "conflict-serve.png")
    finally:
        browser.close()
    rows = json.loads(rows)
    print(f"conflict-serve started in {startup:.1f} s; {done}; screenshot {shot}")
    assert shot.stat().st_size > 5000 and "1 article," in done and links_ok
    expected = Tagger.from_pretrained(model_dir, device="cpu")([{"text": text, "date": "2020-06-08"}])[
        0
    ].events
    assert len(rows) == len(expected)
    for row, event in zip(rows, expected):
        kind = event["event_type"] + (f" / {event['sub_event_type']}" if event.get("sub_event_type") else "")
        assert row[1].startswith(kind) and row[2].startswith(event.get("date") or "?")
        low, high = event.get("fatalities_range") or (None, None)
        range_cell = (
            f"{'' if low is None else low}-{'' if high is None else high}"
            if event.get("fatalities_range")
            else "-"
        )
        assert row[6] == (str(event["fatalities"]) if event.get("fatalities") is not None else range_cell)
    if os.environ.get("CONFLICT_EVENTS_MODEL") and text_file == AFP:
        assert any(r[1].startswith("Battles / Armed clash") and r[6] == "41" for r in rows), rows
