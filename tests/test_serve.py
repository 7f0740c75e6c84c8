"""conflict-serve over real HTTP on a free localhost port: paste, upload, downloads, limits and clear errors."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from html_checks import FORM_TAGS, HOSTILE, VIEW_TAGS, assert_no_injected_markup, parse

from inference import Tagger
from inference.serve import Limits, TagService, make_server
from inference.serve.forms import parse_form


@pytest.fixture(scope="module")
def server(tiny_model):
    service = TagService(
        Tagger.from_pretrained(tiny_model, device="cpu"),
        Limits(max_bytes=200_000, max_articles=5, max_shown=2),
    )
    srv = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, (filename, data) in (files or {}).items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post(url: str, fields: dict[str, str], files=None) -> tuple[int, str]:
    body, content_type = multipart(fields, files)
    req = urllib.request.Request(url + "/tag", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def downloads(url: str, page: str) -> tuple[list[dict], list[dict]]:
    hrefs = [
        a["href"] for t, a in parse(page).tags if t == "a" and a.get("href", "").startswith("/download/")
    ]
    labels = next(h for h in hrefs if h.endswith("labels.jsonl"))
    events = next(h for h in hrefs if h.endswith("events.csv"))
    status, body, headers = get(url + labels)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    records = [json.loads(line) for line in body.decode().splitlines()]
    status, body, _ = get(url + events)
    assert status == 200
    return records, list(csv.DictReader(io.StringIO(body.decode())))


def test_the_form_page_binds_localhost_and_forbids_script(server):
    status, body, headers = get(server + "/")
    assert status == 200 and server.startswith("http://127.0.0.1:")
    page = body.decode()
    assert '<form method="post" action="/tag"' in page and 'name="text"' in page and 'name="file"' in page
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none': no script runs
    assert json.loads(get(server + "/health")[1])["status"] == "ok"


def test_a_pasted_hostile_article_comes_back_escaped_with_its_downloads(server):
    text = "date 2020-06-08\n" + HOSTILE
    status, page = post(server, {"action": "paste", "text": text, "date": "2020-06-08"})
    assert status == 200, page
    parsed = assert_no_injected_markup(page, allowed_tags=FORM_TAGS | VIEW_TAGS)
    assert 'id="done"' in page and "1 article," in page
    textarea = page.split('name="text"', 1)[1].split("</textarea>", 1)[0]
    assert "&lt;/textarea&gt;" in textarea  # the text given back in the box cannot close it
    assert "evil()" in "".join(parsed.text)
    records, events = downloads(server, page)
    assert [r["id"] for r in records] == ["pasted article"] and records[0]["date"] == "2020-06-08"
    assert len(events) == len(records[0]["events"])
    for row in events:  # no cell a spreadsheet would run as a formula
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values() if v)


def test_an_uploaded_file_is_tagged_and_its_bad_records_listed(server):
    rows = [json.dumps({"id": f"a{i}", "text": f"Gunmen killed {i + 2} farmers near Jos."}) for i in range(3)]
    data = "\n".join([rows[0], "{not json", rows[1], json.dumps({"id": "x"}), rows[2]]).encode()
    status, page = post(server, {"action": "upload"}, {"file": ("my file.jsonl", data)})
    assert status == 200, page
    assert "3 articles," in page and 'id="problems"' in page
    assert "shows the first 2 of 3 articles" in page and page.count("<article ") == 2
    assert "my_file.jsonl:2: invalid JSON" in page and "my_file.jsonl:4: no &#x27;text&#x27; field" in page
    records, _ = downloads(server, page)
    assert [r["id"] for r in records] == ["a0", "a1", "a2"]
    status, page = post(
        server, {"action": "upload"}, {"file": ("one.txt", b"date 2020-01-02\nRiots in Lagos.")}
    )
    assert status == 200 and "<h2>one.txt</h2>" in page and "date 2020-01-02" in page


@pytest.mark.parametrize(
    ("fields", "files", "code", "message"),
    [
        ({"action": "paste", "text": "  "}, None, 400, "the text box is empty"),
        ({"action": "paste", "text": "Riots.", "date": "June 8"}, None, 400, "YYYY-MM-DD"),
        ({"action": "upload"}, {"file": ("a.pdf", b"%PDF")}, 400, "a.pdf: unsupported file type"),
        ({"action": "upload"}, {"file": ("a.csv", b"\xff\xfe\x00bad")}, 400, "a.csv: "),
        ({"action": "upload"}, {"file": ("a.jsonl", b"")}, 400, "a.jsonl: the file is empty"),
        ({"action": "upload"}, None, 400, "choose a file"),
        ({"action": "upload"}, {"file": ("a.txt", b"x" * 300_000)}, 413, "the limit is"),
        (
            {"action": "upload"},
            {"file": ("a.jsonl", b"".join(b'{"id": %d, "text": "Riots."}\n' % i for i in range(6)))},
            400,
            "more than 5 articles",
        ),
    ],
)
def test_bad_requests_get_the_form_back_with_a_clear_message(server, fields, files, code, message):
    status, page = post(server, fields, files)
    assert status == code
    error = page.split('<div class="error" id="error">', 1)[1].split("</div>", 1)[0]
    assert message.replace("'", "&#x27;") in error and "Traceback" not in page
    assert '<form method="post"' in page


def test_unknown_pages_and_dropped_downloads_are_404(server):
    assert get(server + "/nope")[0] == 404
    assert get(server + "/download/AAAAAAAAAAAA/labels.jsonl")[0] == 404


def test_urlencoded_and_multipart_forms_parse_alike():
    body, ctype = multipart({"text": "a & b", "date": ""})
    assert parse_form(ctype, body)["text"].text() == "a & b"
    assert parse_form("application/x-www-form-urlencoded", b"text=a+%26+b&date=")["text"].text() == "a & b"


def test_requests_for_another_host_name_are_refused(server):
    """DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 must not read the answers."""
    import http.client

    port = int(server.rsplit(":", 1)[1])
    for host, expected in (
        ("evil.example", 421),
        (f"evil.example:{port}", 421),
        (f"localhost:{port}", 200),
        ("[::1]", 200),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("GET", "/health", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        assert conn.getresponse().status == expected, host
        conn.close()
