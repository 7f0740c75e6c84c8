"""``conflict-serve``: a local web page to paste an article or upload a file and see what the model read.

Standard library only (``http.server``): the page needs three routes and no state beyond recent downloads, so a
web framework would add a dependency without removing code. ``service.py`` tags (limits, downloads),
``forms.py`` reads form posts, ``pages.py`` writes the HTML, ``server.py`` wires them to HTTP, ``cli.py`` starts it.
"""

from inference.serve.server import make_server
from inference.serve.service import Limits, TagService

__all__ = ["Limits", "TagService", "make_server"]
