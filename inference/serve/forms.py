"""Form posts (``multipart/form-data`` or ``application/x-www-form-urlencoded``) -> fields, with the standard
library's email parser (the ``cgi`` module is gone from Python 3.13)."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs


class FormError(ValueError):
    """A post the page cannot read; the message is shown to the person who sent it."""


@dataclass(frozen=True)
class Field:
    """One form field: its bytes and, for a file input, the file's name as the browser sent it."""

    data: bytes
    filename: str | None = None

    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FormError(f"a form field is not UTF-8 text (byte {e.start})") from e


def parse_form(content_type: str, body: bytes) -> dict[str, Field]:
    """The fields of a posted form by name (the first of repeated names)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as e:
            raise FormError("the form is not URL-encoded ASCII") from e
        return {k: Field(v[0].encode("utf-8")) for k, v in pairs.items()}
    if kind != "multipart/form-data":
        raise FormError(f"expected a form post, got content type {kind or 'none'}")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise FormError("the form post has no parts (a missing or wrong multipart boundary)")
    fields: dict[str, Field] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name or name in fields:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[str(name)] = Field(payload, part.get_filename())
    return fields
