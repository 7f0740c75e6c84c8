"""Progress bars redirected to a file write whole lines every few percent, not a redraw per step."""

import io

from inference.progress_bar import progress_bar


def test_a_file_gets_a_line_every_two_percent_without_carriage_returns():
    out = io.StringIO()
    with progress_bar(total=1000, file=out, desc="train") as bar:
        for step in range(1000):
            bar.update(1)
            bar.set_postfix(loss=f"{step:.4f}", refresh=False)
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text
    assert 45 <= len(lines) <= 53, len(lines)  # start, 50 steps of 2%, close
    assert lines[-1].startswith("train: 100%") and "1000/1000" in lines[-1]


def test_unknown_total_is_paced_by_time():
    out = io.StringIO()
    bar = progress_bar(file=out, desc="tagging", interval_s=3600)
    for _ in range(10_000):
        bar.update(1)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) <= 3 and "10000" in lines[-1]


def test_disabled_bar_writes_nothing():
    out = io.StringIO()
    with progress_bar(total=10, file=out, disable=True) as bar:
        bar.update(10)
    assert out.getvalue() == ""
