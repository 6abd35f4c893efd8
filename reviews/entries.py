"""Recording a status entry: no change is lost silently, and every version is kept.

Every save bumps the entry's version. A form or a returned workbook carries the version it was made
from; if someone saved in between, the save is refused and the other person's changes are shown.
"""

import difflib
import re
from dataclasses import dataclass
from functools import cached_property

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from initiatives.models import Indicator
from reviews.models import CycleState, EntryState, ReviewCycle, StatusEntry


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    # A long text (取組内容, 課題 …) is read as what was added and removed; a word or a number as old → new.
    is_text: bool = False

    @cached_property
    def diff(self):
        return word_diff(self.old, self.new) if self.is_text else None


@dataclass
class Segment:
    """A stretch of a text diff: kept ("equal"), added ("insert") or removed ("delete"), line by line so
    that a line break shows where it is."""

    op: str
    text: str

    @property
    def lines(self):
        return self.text.split("\n")


# Japanese has no spaces between words: a token is a run of one script (kanji, hiragana, katakana, latin
# letters and digits), a run of spaces, a line break, or one other character (。、「」 …). A run of kanji is
# about a word (情報化, 推進計画), and a changed particle or ending (を → に) is its own token.
TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]+"
    r"|[\u3041-\u309f]+"
    r"|[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+"
    r"|[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+(?:[.,][0-9A-Za-z]+)*"
    r"|[^\S\n]+"
    r"|\n"
    r"|.",
    re.S,
)


def tokens(text):
    return TOKEN.findall(text.replace("\r\n", "\n"))


def word_diff(old, new):
    """What changed from old to new, word by word: the kept, removed and added stretches in reading order
    (a replaced stretch reads as its removal, then its addition)."""
    before, after = tokens(old or ""), tokens(new or "")
    segments = []

    def add(op, parts):
        text = "".join(parts)
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1].text += text
        else:
            segments.append(Segment(op, text))

    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", before[i1:i2])
        else:
            add("delete", before[i1:i2])
            add("insert", after[j1:j2])
    return _merge_slivers(segments)


def _merge_slivers(segments):
    """One kept character between two changes (a の between two replaced words) is read as part of both:
    「<del>AのC</del><ins>BのD</ins>」 reads better than four pieces around a lone の."""

    def sliver(i):
        s = segments[i]
        return (
            s.op == "equal"
            and len(s.text) == 1
            and s.text != "\n"
            and 0 < i < len(segments) - 1
            and segments[i - 1].op != "equal"
            and segments[i + 1].op != "equal"
        )

    merged, removed, added = [], "", ""
    for i, segment in enumerate(segments):
        if segment.op == "delete":
            removed += segment.text
        elif segment.op == "insert":
            added += segment.text
        elif sliver(i):
            removed += segment.text
            added += segment.text
        else:
            merged += [Segment(op, text) for op, text in (("delete", removed), ("insert", added)) if text]
            merged.append(segment)
            removed = added = ""
    merged += [Segment(op, text) for op, text in (("delete", removed), ("insert", added)) if text]
    return merged


def display(entry, name):
    """A field's value as a person reads it: the word, not the code; empty shown as empty."""
    value = getattr(entry, name)
    if value in ("", None):
        return ""
    field = StatusEntry._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if name in WORD_FIELDS:
        # A plan's word, in the reader's language where the catalogue knows it (plan/words.py).
        return gettext(value)
    return str(value)


# The fields that hold a word of the plan (実施状況 and the ratings), not free text.
WORD_FIELDS = ("stage_reached", "progress", "achievement", "direction")


def changes_between(old, new, names=StatusEntry.EDITABLE_FIELDS):
    """What differs between two versions of an entry (entries or historical records), field by field, and
    for the indicators' actuals, indicator by indicator."""
    changes = [
        FieldChange(
            str(StatusEntry._meta.get_field(n).verbose_name),
            display(old, n),
            display(new, n),
            is_text=isinstance(StatusEntry._meta.get_field(n), models.TextField),
        )
        for n in names
        if n != "kpi_actuals" and display(old, n) != display(new, n)
    ]
    if "kpi_actuals" in names:
        changes += _actual_changes(old.kpi_actuals or {}, new.kpi_actuals or {})
    return changes


def _actual_changes(old, new):
    changed = [key for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key)]
    if not changed:
        return []
    # Only where an actual changed: the indicators' names, to say which.
    names = dict(Indicator.objects.filter(pk__in=[int(k) for k in changed]).values_list("pk", "name"))
    return [
        FieldChange(
            _("実績値（%(name)s）") % {"name": names.get(int(key), _("削除された指標"))},
            old.get(key, ""),
            new.get(key, ""),
        )
        for key in changed
    ]


class EntryLocked(Exception):
    """The cycle was compiled (or not yet opened) by the time the save reached the database."""

    def __init__(self, cycle):
        self.cycle = cycle
        super().__init__(f"cycle {cycle.pk} is {cycle.state}")


class StaleEntry(Exception):
    """Someone saved the entry after the user's copy was made."""

    def __init__(self, current, their_changes):
        self.current = current
        self.their_changes = their_changes
        super().__init__(f"entry {current.pk} is at version {current.version}")


def save_entry(entry, values, user, based_on_version, reason=""):
    """Write values to the entry if it is still at based_on_version; raise StaleEntry otherwise,
    and EntryLocked if its cycle is no longer open for entry.

    Of any number of people saving one version at once, exactly one wins. Returns the changes written
    (empty if nothing changed).
    """
    with transaction.atomic():
        # First hold the cycle's state until commit: the compile step locks the cycle row for update, so it
        # waits for saves in flight, and a save arriving after it sees the new state.
        if not CycleState(ReviewCycle.objects.hold_state(entry.cycle_id)).entries_editable:
            raise EntryLocked(ReviewCycle.objects.get(pk=entry.cycle_id))
        # The claim filters on the entry's own columns only. A filter through the cycle would be compiled
        # to a subquery, which PostgreSQL does not re-check after waiting for the row lock, and two
        # writers could both claim one version.
        claimed = StatusEntry.objects.filter(pk=entry.pk, version=based_on_version).update(
            version=based_on_version + 1
        )
        current = StatusEntry.objects.select_related("initiative", "cycle").get(pk=entry.pk)
        if not claimed:
            seen = current.history.filter(version=based_on_version).order_by("-history_id").first()
            raise StaleEntry(current, changes_between(seen or StatusEntry(), current))
        before = StatusEntry(**{n: getattr(current, n) for n in StatusEntry.EDITABLE_FIELDS})
        for name, value in values.items():
            if name == "kpi_actuals":
                value = merge_actuals(current.kpi_actuals, value)
            setattr(current, name, value)
        changes = changes_between(before, current)
        if not changes:
            # Nothing to record: give the version back rather than make an empty history line.
            StatusEntry.objects.filter(pk=entry.pk).update(version=based_on_version)
            current.version = based_on_version
            return current, []
        current.version = based_on_version + 1
        if current.state in (EntryState.SUBMITTED, EntryState.CONFIRMED):
            # What was handed in or accepted has changed: it is the department's again until submitted anew.
            current.state = EntryState.IN_PROGRESS
        current.updated_by = user
        current.updated_at = timezone.now()
        current._change_reason = reason
        current._history_user = user
        current.save()
    return current, changes


def merge_actuals(stored, patch):
    """The entry's actuals with the patch's ({indicator key: actual, or None to clear}) applied: an actual of an
    indicator the patch does not name stays."""
    merged = dict(stored or {})
    for key, value in patch.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class NoSuchVersion(Exception):
    """A version number the entry never had."""

    def __init__(self, numbers):
        self.numbers = numbers
        super().__init__(f"no version {numbers}")


def compare_versions(entry, first, second):
    """Two saved versions of the entry, the earlier first, and what differs between them: (older, newer,
    changes). Raises NoSuchVersion for a number the entry never had."""
    older, newer = sorted((first, second))
    records = {}
    for record in (
        entry.history.filter(version__in=[older, newer])
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        # A number is saved once (save_entry claims it); should one have been saved twice, the later counts.
        records[record.version] = record
    missing = [n for n in dict.fromkeys([older, newer]) if n not in records]
    if missing:
        raise NoSuchVersion(missing)
    return records[older], records[newer], changes_between(records[older], records[newer])


def entry_history(entry, records=None):
    """Every saved version, newest first, each with what it changed against the one before.

    records: the entry's historical records, oldest first, for a caller that fetched several entries' at once.
    """
    if records is None:
        records = list(entry.history.select_related("history_user").order_by("history_date", "history_id"))
    rows, previous = [], StatusEntry()
    for record in records:
        rows.append({"record": record, "changes": changes_between(previous, record)})
        previous = record
    return list(reversed(rows))
