"""The published report and list on a phone (390×844): no sideways scrolling of the page, no text broken into
single characters, touch targets large enough, and axe-core clean."""

import pytest

from tests.browser import shot
from tests.test_browser_public import axe_violations, browser_context_args, published  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Text broken into single characters: a block whose lines hold two characters or fewer on average.
NARROW_TEXT = """() => [...document.querySelectorAll('main td, main th, main dd, main p, main li, main h1, main h2')]
  .filter(e => e.offsetParent !== null && e.innerText.trim().length > 3)
  .filter(e => !e.querySelector('input, select, textarea, button'))  // a label above its field is not text
  // A header row hidden from sight (read by screen readers, clipped to 1 px) is not laid-out text.
  .filter(e => !(e.closest('thead') && e.closest('thead').getBoundingClientRect().width <= 2))
  .filter(e => {
    const style = getComputedStyle(e);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const lines = Math.round(e.getBoundingClientRect().height / line);
    return lines >= 3 && e.innerText.trim().length / lines <= 2;
  })
  .map(e => e.innerText.trim().slice(0, 20))"""

SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, main select, main input')]
  .filter(e => e.offsetParent !== null)
  .filter(e => { const r = e.getBoundingClientRect(); return r.height < 24 || r.width < 24; })
  .map(e => e.innerText.trim().slice(0, 20) || e.outerHTML.slice(0, 40))"""


@pytest.mark.parametrize("path", ["/published/", "/published/5/2025/", "/accounts/login/", "/no-such-page/"])
def test_the_published_pages_read_on_a_phone(page, published, path):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(published + path)
    shot(page, "phone" + path.strip("/").replace("/", "-"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(NARROW_TEXT) == []
    assert page.evaluate(SMALL_TARGETS) == []
    assert axe_violations(page) == []
