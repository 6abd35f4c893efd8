"""Helpers for the Playwright journeys."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def log_in(page, username, password):
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def shot(page, name):
    """A full-page screenshot in test-artifacts/, to look at what the user saw."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


# Text broken into single characters: a block whose lines hold two characters or fewer on average.
NARROW_TEXT = """() => [...document.querySelectorAll('main td, main th, main dd, main p, main li, main h1, main h2')]
  .filter(e => e.offsetParent !== null && e.innerText.trim().length > 3)
  .filter(e => !e.querySelector('input, select, textarea, button'))  // a label above its field is not text
  // A header row hidden from sight (read by screen readers, clipped to 1 px) is not laid-out text.
  .filter(e => !(e.closest('thead') && e.closest('thead').getBoundingClientRect().width <= 2))
  .filter(e => {
    // Lines of the text itself (not the height of its box, which a taller neighbour in the row stretches).
    const range = document.createRange();
    range.selectNodeContents(e);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
    return lines >= 3 && e.innerText.trim().length / lines <= 2;
  })
  .map(e => e.innerText.trim().slice(0, 20))"""

SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, main select, main input')]
  .filter(e => e.offsetParent !== null)
  .filter(e => { const r = e.getBoundingClientRect(); return r.height < 24 || r.width < 24; })
  .map(e => e.innerText.trim().slice(0, 20) || e.outerHTML.slice(0, 40))"""
