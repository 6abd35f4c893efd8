"""The words of the shipped definitions (fixtures/plans.json and plan/presets/), marked for the catalogue.

A plan's words are its own data and are stored and printed as the plan states them. On screen, a word the
catalogue knows is shown in the reader's language (templatetag `word`), as the fifth plan's words always were;
a word an administrator adds is shown as typed.
"""

from django.utils.translation import gettext_noop

SHIPPED_WORDS = [
    # Roadmap stages and 実施状況
    gettext_noop("検討"),
    gettext_noop("実施"),
    gettext_noop("未着手"),
    gettext_noop("検討中"),
    gettext_noop("実施中"),
    gettext_noop("完了"),
    gettext_noop("中止"),
    # Rating scales
    gettext_noop("計画より進んでいる"),
    gettext_noop("計画どおり"),
    gettext_noop("計画より遅れている"),
    gettext_noop("評価できない"),
    gettext_noop("達成"),
    gettext_noop("一部達成"),
    gettext_noop("未達成"),
    gettext_noop("継続"),
    gettext_noop("拡充"),
    gettext_noop("見直し"),
    gettext_noop("取組終了"),
]
