"""See what the model read: articles with their spans, sentence labels and event records as one HTML file.

``render_html(results, texts)`` for notebooks and scripts; ``conflict-view`` (``cli.py``) for ``conflict-tag``
output; ``inference.serve`` puts the same view behind a local web page.
"""

from inference.view.article import ViewArticle, view_article
from inference.view.html import article_html, render_html

__all__ = ["ViewArticle", "article_html", "render_html", "view_article"]
