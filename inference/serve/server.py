"""HTTP for the page: ``GET /`` the form, ``POST /tag`` the answer, ``GET /download/KEY/NAME`` its files,
``GET /health`` a JSON line. A bad post gets the form back with a message, never a traceback."""

from __future__ import annotations

import json
import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from inference.serve.forms import FormError, parse_form
from inference.serve.pages import page
from inference.serve.service import RequestError, TagService, pasted_article

logger = logging.getLogger(__name__)

DOWNLOAD = re.compile(r"/download/([A-Za-z0-9_-]{8,40})/(labels\.jsonl|events\.csv)")
DOWNLOAD_TYPES = {"labels.jsonl": "application/x-ndjson", "events.csv": "text/csv"}
# the page shows, it runs nothing: no script at all, styles inline, forms post back here only
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"
)


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def host_name(header: str | None) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1")."""
    header = (header or "").strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class PageHandler(BaseHTTPRequestHandler):
    """One request; ``server.service`` holds the Tagger and ``server.model_name`` the model's name."""

    server: PageServer
    timeout = (
        60  # seconds a client may take to send its request (a slow upload does not hold a thread forever)
    )
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        logger.info("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, status: int = 200, **kwargs) -> None:
        service = self.server.service
        html = page(self.server.model_name, service.limits, **kwargs)
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8")

    def _foreign_host(self) -> bool:
        """A server bound to loopback answers only requests addressed to a loopback name: a web page elsewhere
        that points its own host name at 127.0.0.1 (DNS rebinding) gets a 421, not the page or the downloads."""
        bound = self.server.server_address[0]
        if bound not in LOOPBACK_NAMES and not str(bound).startswith("127."):
            return False  # the user chose to serve beyond this machine (--host)
        if host_name(self.headers.get("Host")) in LOOPBACK_NAMES:
            return False
        self.close_connection = True
        self._send(421, b"this server answers requests for localhost only\n", "text/plain; charset=utf-8")
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self._foreign_host():
            return
        path = self.path.split("?", 1)[0]
        if path == "/":
            return self._page()
        if path == "/health":
            body = json.dumps({"status": "ok", "model": self.server.model_name}).encode() + b"\n"
            return self._send(200, body, "application/json")
        match = DOWNLOAD.fullmatch(path)
        if match:
            data = self.server.service.download(match[1], match[2])
            if data is None:
                return self._page(
                    404, error="that download is gone (only the last answers are kept): tag again"
                )
            disposition = {"Content-Disposition": f'attachment; filename="{match[2]}"'}
            return self._send(200, data, DOWNLOAD_TYPES[match[2]] + "; charset=utf-8", disposition)
        self._page(404, error=f"no page at {path[:100]}")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if self._foreign_host():
            return
        if self.path.split("?", 1)[0] != "/tag":
            self.close_connection = True
            return self._page(404, error="post the form to /tag")
        service = self.server.service
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return self._page(411, error="the request has no length: send the form from the page")
        if int(length) > service.limits.max_bytes:
            self.close_connection = True  # the unread body must not be taken for the next request
            mb = service.limits.max_bytes / (1024 * 1024)
            return self._page(413, error=f"the upload is {int(length) / 1e6:.1f} MB; the limit is {mb:g} MB")
        body = self.rfile.read(int(length))
        text = date = ""
        try:
            form = parse_form(self.headers.get("Content-Type", ""), body)
            text = form["text"].text() if "text" in form else ""
            date = form["date"].text() if "date" in form else ""
            upload = form.get("file")
            action = form["action"].text() if "action" in form else ""
            if action == "upload" or (action != "paste" and upload is not None and upload.data):
                if upload is None or not upload.filename:
                    raise RequestError("choose a file to upload")
                articles, problems = service.read_upload(upload.filename, upload.data)
            else:
                articles, problems = [pasted_article(text, date)], []
            answer = service.tag(articles, problems)
        except (FormError, RequestError) as e:
            return self._page(400, error=str(e), text=text, date=date)
        except Exception:
            logger.exception("tagging failed")
            return self._page(
                500, error="tagging failed (the server log has the details)", text=text, date=date
            )
        self._page(answer=answer, text=text, date=date)


class PageServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the page's TagService and model name."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: TagService, model_name: str):
        super().__init__(address, PageHandler)
        self.service = service
        self.model_name = model_name


def make_server(service: TagService, host: str = "127.0.0.1", port: int = 8000) -> PageServer:
    """The server, bound (``port=0``: a free port; see ``server.server_address``) but not yet serving."""
    return PageServer((host, port), service, service.tagger.model_info.get("name", "model"))
