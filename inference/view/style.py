"""The view's stylesheet and colours: inline in every page (no network), scoped to ``.ce-view`` so a notebook's
own styles and the view's do not mix."""

from __future__ import annotations

# colour-blind-friendly pastels (Okabe-Ito hues, lightened) then more; a label's colour is its index in the list
PALETTE = (
    "#f6c77e",
    "#9fd3f0",
    "#8fe0c7",
    "#f3ec8a",
    "#8ab8e0",
    "#c9b3f0",
    "#e4b4cf",
    "#c8c8c8",
    "#c5e19a",
    "#d7bde2",
    "#f5a9a9",
    "#a9d8d0",
)
CHANNELS = ("b", "u", "o")  # head 0: background, head 1: underline, heads 2+: outline


def stylesheet() -> str:
    """The CSS of a page: layout, the sentence table, the events table and one class per channel and colour."""
    colours = []
    for k, c in enumerate(PALETTE):
        colours.append(f".ce-view .b{k}{{background:{c}}}")
        colours.append(f".ce-view .u{k}{{border-bottom:3px solid {c}}}")
        colours.append(f".ce-view .o{k}{{outline:2px dashed {c};outline-offset:1px}}")
    return BASE_CSS + "\n".join(colours) + "\n"


BASE_CSS = """
.ce-view{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:1200px;
  margin:0 auto;padding:0 16px 40px}
.ce-view h1{font-size:22px;margin:16px 0 4px}
.ce-view h2{font-size:18px;margin:28px 0 4px;border-top:2px solid #333;padding-top:10px}
.ce-view h3{font-size:15px;margin:16px 0 6px}
.ce-view .meta{color:#555;font-size:13px;margin:0 0 8px}
.ce-view .note{background:#fff6d6;border:1px solid #e8d48a;padding:6px 10px;font-size:13px}
.ce-view .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:8px 0;padding:8px;
  background:#f7f7f7;border:1px solid #ddd}
.ce-view .legend .head{font-weight:600;margin-right:4px}
.ce-view .legend .chip{padding:0 4px;margin-right:4px}
.ce-view table{border-collapse:collapse;width:100%}
.ce-view td,.ce-view th{vertical-align:top;padding:4px 6px;border-bottom:1px solid #e4e4e4;text-align:left}
.ce-view th{background:#f0f0f0;font-size:13px}
.ce-view .num{color:#888;font-size:12px;width:36px;white-space:nowrap}
.ce-view .num a{color:inherit;text-decoration:none}
.ce-view .slabels{font-size:12px;width:260px;color:#333}
.ce-view .gap{color:#777;font-style:italic}
.ce-view tr:target{background:#fff3a8}
.ce-view tr:target td{border-bottom-color:#d9c45a}
.ce-view .span{padding:1px 0;border-radius:2px}
.ce-view sup.tag{font-size:10px;font-weight:600;padding:0 3px;margin:0 2px 0 1px;border-radius:3px;
  vertical-align:super;white-space:nowrap}
.ce-view .lab{display:inline-block;margin:0 6px 2px 0;white-space:nowrap}
.ce-view .lab .h{color:#777}
.ce-view .none{color:#999}
.ce-view .score{color:#777;font-size:11px}
.ce-view .events td{font-size:13px}
.ce-view .events a{margin-right:4px}
.ce-view .empty{color:#777;font-style:italic}
"""
