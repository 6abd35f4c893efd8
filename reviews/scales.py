"""The survey's ratings (進捗, 達成状況, 今後の方向性) in the words of the entry's plan (plan.RatingScale).

An entry's field of the same name as the scale's role holds the word. What proposes a word is data too: a
word that means "ahead of / on / behind the roadmap" is proposed from the stage reached, a word with a
threshold from the KPI's achievement rate.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from plan.models import Meaning, ScaleRole

# The entry fields that hold a scale's word: each is named as its scale's role.
RATED_FIELDS = list(ScaleRole.values)


def compare(plan, planned_stage, stage_reached):
    """How the stage reached stands to the roadmap's stage for the year (a Meaning), or None if unknown.

    Both are ranked along the plan's stages (plan.RoadmapStage): 未着手 before the first, each stage under way
    at its place, 完了 after the last.
    """
    if not stage_reached:
        return None
    planned = plan.stage_rank(planned_stage) if planned_stage else None
    if planned is None:  # the roadmap plans nothing this year
        return Meaning.NOT_ASSESSABLE
    reached = plan.reached_rank(stage_reached)
    if reached is None:  # 中止
        return Meaning.NOT_ASSESSABLE
    # 完了 in the last stage's year is what the plan asked for; 完了 during an earlier stage is ahead of it.
    last = len(plan.roadmap_stages)
    reached = min(reached, last) if planned == last else reached
    if reached > planned:
        return Meaning.AHEAD
    return Meaning.ON_PLAN if reached == planned else Meaning.BEHIND


def indicator_rows(indicators, fiscal_year, actuals):
    """Each indicator of an initiative in a year: its target, the entry's actual and the 達成率."""
    rows = []
    for indicator in indicators:
        target = indicator.target_for(fiscal_year)
        actual = (actuals or {}).get(indicator.key)
        actual = Decimal(actual) if actual not in (None, "") else None
        rows.append(
            {
                "indicator": indicator,
                "target": target,
                "actual": actual,
                "rate": indicator.rate(target, actual),
            }
        )
    return rows


def kpi_rate(indicators, fiscal_year, actuals):
    """The initiative's 達成率 for proposing a word: the mean of its indicators' rates that can be computed
    (None if none can)."""
    rates = [r["rate"] for r in indicator_rows(indicators, fiscal_year, actuals) if r["rate"] is not None]
    return sum(rates) / len(rates) if rates else None


def propose(scale, values, planned_stage, rate=None):
    """The word the scale proposes for an entry's values: by the KPIs' achievement rate first (a measurement),
    then by the roadmap; "" if neither says anything."""
    if scale is None:
        return ""
    word = scale.word_for_rate(rate)
    if not word and scale.role == ScaleRole.PROGRESS:
        meaning = compare(scale.plan, planned_stage, values.get("stage_reached"))
        word = scale.word_meaning(meaning) if meaning else ""
    return word


def fill_in(plan, values, planned_stage, rate=None):
    """Put the proposed word into each rating the entry's values leave empty; the fields it filled."""
    filled = []
    for field in RATED_FIELDS:
        if values.get(field):
            continue
        word = propose(plan.scale(field), values, planned_stage, rate)
        if word:
            values[field] = word
            filled.append(field)
    return filled


def words(plan, field):
    scale = plan.scale(field)
    return scale.values if scale else []


def printed_name(plan, field):
    """The rating's name as the plan's own documents print it (the survey workbook is in the city's words)."""
    scale = plan.scale(field)
    return scale.name if scale else str(ScaleRole(field).label)


def proposal_help(scale):
    """What a clerk is told of an empty rating, where the scale proposes a word."""
    if scale is None:
        return ""
    by_rate, by_roadmap = scale.proposes_by_rate, scale.proposes_by_roadmap
    if by_rate and by_roadmap:
        return _(
            "空欄のまま保存すると、指標（KPI）の達成率から、達成率がなければ計画上の段階と実施状況から提案した値になります。"
        )
    if by_rate:
        return _("空欄のまま保存すると、指標（KPI）の達成率から提案した値になります。")
    if by_roadmap:
        return _("空欄のまま保存すると、計画上の段階と実施状況から提案した値になります。")
    return ""


def proposals(plan, values, planned_stage, rate=None):
    """{field: proposed word} for the ratings the scale proposes a word for."""
    return {field: propose(plan.scale(field), values, planned_stage, rate) for field in RATED_FIELDS}


def behind_word(plan):
    """The progress word that says an initiative is behind the roadmap ("" if the plan's scale has none)."""
    scale = plan.scale(ScaleRole.PROGRESS)
    return scale.word_meaning(Meaning.BEHIND) if scale else ""


def meaning_of(plan, word):
    """What a recorded progress word says of the roadmap (a Meaning), "" if nothing."""
    scale = plan.scale(ScaleRole.PROGRESS)
    return scale.meaning_of(word) if scale and word else ""


def contradiction(plan, planned_stage, stage_reached, progress):
    """自己評価と年次計画の差: the progress word given against the word the roadmap gives for the stage reached
    (計画どおり while the stage is behind the planned one, or the reverse). {"given": word, "roadmap": word}, or
    None where they agree or either says nothing of the roadmap."""
    assessed = (Meaning.AHEAD, Meaning.ON_PLAN, Meaning.BEHIND)
    said = meaning_of(plan, progress)
    found = compare(plan, planned_stage, stage_reached)
    if said not in assessed or found not in assessed or said == found:
        return None
    scale = plan.scale(ScaleRole.PROGRESS)
    return {"given": progress, "roadmap": scale.word_meaning(found) or str(found.label)}
