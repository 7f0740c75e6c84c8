"""Checks on HTML pages: parse one, and assert that nothing from the data became markup."""

from __future__ import annotations

from html.parser import HTMLParser

HOSTILE = (
    'Rebels <script>alert("x")</script> attacked "Kabul" </textarea><img src=x onerror=alert(1)> '
    "on Monday. Police said 4 died <b onmouseover='evil()'>here</b> &amp; <!-- c --> ]]> end."
)
# every element the view writes itself; anything else in a page came from the data
VIEW_TAGS = {
    "html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p", "span", "sup", "article",
    "table", "tr", "td", "th", "a", "q",
}  # fmt: skip
VIEW_ATTRS = {"class", "id", "href", "title", "lang", "charset", "name", "content", "http-equiv"}
# and what conflict-serve's form adds
FORM_TAGS = {"form", "fieldset", "legend", "label", "textarea", "input", "button", "b", "br", "ul", "li"}
FORM_ATTRS = {"method", "action", "enctype", "for", "placeholder", "type", "value", "accept", "download"}


class Page(HTMLParser):
    """Tags, attributes and visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if "id" in dict(attrs):
            self.ids.add(dict(attrs)["id"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"a comment reached the page: {data!r}")


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def assert_no_injected_markup(page: str, allowed_tags: set[str] = VIEW_TAGS) -> Page:
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert tag in allowed_tags, f"unexpected <{tag}> in the page"
        assert set(attrs) <= VIEW_ATTRS | FORM_ATTRS, attrs
        assert not any(a.startswith("on") for a in attrs), attrs
        href = attrs.get("href")
        assert href is None or href.startswith(("#a", "/download/")), href
    return parsed
