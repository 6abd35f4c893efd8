"""Charts as inline SVG drawn on the server: horizontal stacked bars, each part named in text.

The city network's CSP allows no scripts from anywhere else, and none are needed.
"""

from django.utils.translation import gettext as _

# In SVG units, which the stylesheet shows one to one on a wide screen: the text is as large as the page's.
CHART_WIDTH = 600
LABEL_WIDTH = 150
BAR_X = LABEL_WIDTH + 8
BAR_WIDTH = 378
TOTAL_X = BAR_X + BAR_WIDTH + 8
BAR_HEIGHT = 28
ROW_HEIGHT = 38
FONT_SIZE = 14
LEGEND_LINE = 22

# (fill, pattern): a light fill that dark text reads on, and a pattern that tells the parts apart in print and
# for anyone who does not see the colours. Every part is also named in text.
GREEN, YELLOW, RED, PURPLE, BLUE = (
    ("#a8d5aa", ""),
    ("#fbe08f", "diagonal"),
    ("#f3b1aa", "cross"),
    ("#d8cbee", "diagonal"),
    ("#a9cbef", "vertical"),
)
GREY = ("#e4e4e4", "dots")
# A scale's words in order, best first (達成, 一部達成, 未達成 / A, B, C, D), unless the word says how it
# compares with the roadmap.
BY_POSITION = [GREEN, YELLOW, RED, PURPLE, BLUE]
BY_MEANING = {"ahead": BLUE, "on_plan": GREEN, "behind": RED, "not_assessable": PURPLE}
# The entry states, the application's own words.
SEGMENT_STYLES = {
    "確認済": GREEN,
    "提出済": BLUE,
    "入力中": YELLOW,
    "差戻し": RED,
    "未入力": GREY,
    # A report made before submission was a step (reviews.0009) counted complete entries as 入力済.
    "入力済": GREEN,
    "": GREY,
}


def scale_styles(plan):
    """{word: (fill, pattern)} for the words of the plan's rating scales, and the entry states."""
    styles = {}
    for scale in plan.rating_scales.values():
        for n, word in enumerate(scale.words_in_order):
            styles.setdefault(word.word, BY_MEANING.get(word.meaning) or BY_POSITION[n % len(BY_POSITION)])
    return {**styles, **SEGMENT_STYLES}


def _text_width(text):
    """A cautious estimate of a label's width: CJK characters are square, the rest about half as wide."""
    return sum(FONT_SIZE if ord(ch) > 0x2000 else FONT_SIZE * 0.62 for ch in str(text))


def _fit(text, width):
    text = str(text)
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _n(value):
    """SVG coordinates are written by Python, so that no locale ever puts a comma in them."""
    return f"{value:.1f}"


def stacked_bars(chart_id, title, bars, styles=SEGMENT_STYLES):
    """A chart of one or more 100% stacked bars.

    bars: [{"label": text, "total": n, "counts": [{"word", "label", "count", "share"}, …]}, …]
    Each bar shows its parts in order with their word and number where they fit, and its total after it;
    the <desc> and the table printed beside the chart carry every number.
    """
    words = []
    for bar in bars:
        for c in bar["counts"]:
            if (c["word"], str(c["label"])) not in words:
                words.append((c["word"], str(c["label"])))
    legend, x, line = [], BAR_X, 0
    for word, label in words:
        fill, pattern = styles.get(word, ("#e4e4e4", ""))
        width = 18 + _text_width(label)
        if x + width > CHART_WIDTH and x > BAR_X:
            x, line = BAR_X, line + 1
        legend.append(
            {
                "x": _n(x),
                "y": _n(line * LEGEND_LINE + 4),
                "text_x": _n(x + 18),
                "text_y": _n(line * LEGEND_LINE + 16),
                "fill": fill,
                "pattern": f"{chart_id}-{pattern}" if pattern else "",
                "label": label,
            }
        )
        x += width + 16
    legend_height = (line + 1) * LEGEND_LINE + 8
    rows, descriptions = [], []
    for index, bar in enumerate(bars):
        y = legend_height + index * ROW_HEIGHT
        total = bar["total"]
        segments, start = [], 0.0
        for c in bar["counts"]:
            if not c["count"]:
                continue
            width = BAR_WIDTH * c["count"] / total
            fill, pattern = styles.get(c["word"], ("#e4e4e4", ""))
            full, short = f"{c['label']} {c['count']}", str(c["count"])
            text = next((t for t in (full, short) if _text_width(t) + 8 <= width), "")
            segments.append(
                {
                    "x": _n(BAR_X + start),
                    "width": _n(width),
                    "text_x": _n(BAR_X + start + width / 2),
                    "fill": fill,
                    "pattern": f"{chart_id}-{pattern}" if pattern else "",
                    "text": text,
                    "title": _("%(word)s %(count)d件（%(share)s%%）")
                    % {"word": c["label"], "count": c["count"], "share": c["share"]},
                }
            )
            start += width
        parts = "、".join(s["title"] for s in segments)
        nothing = _("0件")
        descriptions.append(f"{bar['label']}: {parts or nothing}")
        rows.append(
            {
                "label": _fit(bar["label"], LABEL_WIDTH - 4),
                "full_label": bar["label"],
                "y": _n(y),
                "text_y": _n(y + BAR_HEIGHT / 2 + FONT_SIZE * 0.36),
                "segments": segments,
                "total": _("%(count)d件") % {"count": total},
                "empty": not segments,
            }
        )
    return {
        "id": chart_id,
        "title": title,
        "description": "。".join(descriptions),
        "width": CHART_WIDTH,
        "height": legend_height + len(bars) * ROW_HEIGHT,
        "label_x": _n(LABEL_WIDTH),
        "bar_x": _n(BAR_X),
        "bar_width": _n(BAR_WIDTH),
        "bar_height": _n(BAR_HEIGHT),
        "total_x": _n(TOTAL_X),
        "legend": legend,
        "rows": rows,
    }
