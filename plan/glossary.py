"""The plan's glossary found in running text: each term's first occurrence linked to its explanation."""

import re
import unicodedata

from django.db.models import Q, Subquery
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from plan.models import GlossaryTerm, Plan


def _aliases(term):
    """The ways a glossary term is written in running text: 「GIS (Geographic Information System; 地図情報
    システム)」 is found as GIS, as Geographic Information System and as 地図情報システム."""
    text = unicodedata.normalize("NFKC", term).strip()
    found = [text]
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
    if match:
        head, inner = match.groups()
        found += [head, *re.split(r"\s*[;；、,]\s*", inner)]
    return [a.strip() for a in found if len(a.strip()) >= 2]


def _key(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _alias_pattern(alias):
    """A pattern that finds the alias written in half- or full-width letters, with or without spaces."""
    parts = []
    for ch in alias:
        if ch.isspace():
            parts.append(r"\s*")
        elif "!" <= ch <= "~":
            parts.append(f"[{re.escape(ch)}{re.escape(chr(ord(ch) + 0xFEE0))}]")
        else:
            parts.append(re.escape(ch))
    pattern = "".join(parts)
    # An ASCII abbreviation is a word of its own: GIS, not the GIS in GISAID.
    if alias[0].isascii() and alias[0].isalnum():
        pattern = r"(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])" + pattern
    if alias[-1].isascii() and alias[-1].isalnum():
        pattern += r"(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])"
    return pattern


class TermMarker:
    """Finds the plan's glossary terms in an initiative's texts and links each to its explanation."""

    def __init__(self, terms):
        self.terms = terms
        self.by_key = {}
        for term in terms:
            for alias in _aliases(term.term):
                self.by_key.setdefault(_key(alias), term)
        aliases = sorted({a for t in terms for a in _aliases(t.term)}, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(_alias_pattern, aliases)), re.IGNORECASE) if aliases else None

    def _matches(self, text):
        if not self.pattern or not text:
            return
        for match in self.pattern.finditer(text):
            term = self.by_key.get(_key(match.group()))
            if term is not None:
                yield match, term

    def found_in(self, texts):
        """The terms that occur in any of the texts, in the glossary's order."""
        found = {term.pk for text in texts for _match, term in self._matches(text)}
        return [t for t in self.terms if t.pk in found]

    def mark(self, text):
        """The text, escaped, line breaks kept, with each term's first occurrence linked to its explanation."""
        pieces, position, seen = [], 0, set()
        for match, term in self._matches(text or ""):
            if term.pk in seen:
                continue
            seen.add(term.pk)
            pieces.append(escape(text[position : match.start()]))
            pieces.append(
                format_html(
                    '<a class="term-ref" href="#term-{0}" aria-describedby="term-{0}-definition">{1}</a>',
                    term.pk,
                    match.group(),
                )
            )
            position = match.end()
        pieces.append(escape((text or "")[position:]))
        return mark_safe("".join(pieces).replace("\n", "<br>"))  # every piece is escaped above


def glossary_for(plan):
    """The plan's glossary or, for a plan that has none (the fourth printed none), the newest plan's."""
    newest = Plan.objects.filter(glossary__isnull=False).order_by("-ordinal").values("pk")[:1]
    terms = list(
        GlossaryTerm.objects.filter(Q(plan=plan) | Q(plan=Subquery(newest)))
        .select_related("plan")
        .order_by("order")
    )
    own = [t for t in terms if t.plan_id == plan.pk]
    return own or terms
