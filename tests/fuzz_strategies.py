"""Shared hypothesis budgets and text strategies for the fuzz tests (tests/test_fuzz_*.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_EXAMPLES = 150  # per test in the default run
SLOW_EXAMPLES = 2000  # per test under -m slow
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
FAST = settings(max_examples=FUZZ_EXAMPLES, **_COMMON)
SLOW = settings(max_examples=SLOW_EXAMPLES, **_COMMON)

# Text that stresses decoders and offsets: right-to-left, combining marks, emoji (with ZWJ and skin tones),
# NUL and other controls, line and paragraph separators, lone CR, BOMs, non-characters.
NASTY = [
    "\u0627\u0644\u062c\u064a\u0634",  # Arabic
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u202e",  # right-to-left override
    "e\u0301",  # combining acute
    "\u0e01\u0e34\u0e4a",  # Thai with stacked marks
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family emoji (ZWJ)
    "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
    "\x00",
    "\r",
    "\r\n",
    "\n",
    "\u2028",
    "\u2029",
    "\x0b\x0c\x1c\x85",
    "\ufeff",
    "\uffff",
    "\t",
    " ",
    '"',
    ",",
    "date 2021-03-04\n",
]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=20)), max_size=12).map("".join)
