"""A survey filled in as after the departments answered, for the pages the committee reads."""

from reviews.entries import save_entry
from reviews.models import StatusEntry

AHEAD, ON_PLAN, BEHIND = "計画より進んでいる", "計画どおり", "計画より遅れている"
ISSUE = "庁内の調整に時間がかかり、{}。次年度の早い時期に関係課と協議し、遅れを取り戻す。"
# 項番: (実施状況, 進捗, 達成状況, 今後の方向性, 課題, 自己評価と年次計画の差の理由). In 令和8年度 the roadmap plans 実施
# for every initiative but 8 (検討).
DIFFERENT = {
    3: (
        "検討中",
        BEHIND,
        "未達成",
        "継続",
        ISSUE.format("公開するデータの個人情報の確認が終わらなかった"),
        "",
    ),
    9: ("未着手", BEHIND, "未達成", "見直し", ISSUE.format("対策の範囲が決まらなかった"), ""),
    16: ("未着手", BEHIND, "未達成", "継続", "担当者の異動で着手が遅れた。", ""),
    21: ("検討中", BEHIND, "一部達成", "継続", ISSUE.format("仕様の検討が長引いた"), ""),
    # 自己評価と年次計画の差: 計画どおり though still studying what the roadmap says to implement …
    5: (
        "検討中",
        ON_PLAN,
        "一部達成",
        "継続",
        "",
        "実施に必要な準備は予定どおり終えており、実質的には計画どおりと判断した。",
    ),
    # … 計画より遅れている though implementing as planned (the department counts a later milestone) …
    12: (
        "実施中",
        BEHIND,
        "一部達成",
        "継続",
        ISSUE.format("導入する端末の調達が半年遅れた"),
        "実施には入ったが、予定していた台数の半分しか配備できていない。",
    ),
    # … and 計画より進んでいる for a stage the roadmap asked for this year.
    20: ("完了", AHEAD, "達成", "取組終了", "", "予定より3か月早く完了した。"),
    8: ("実施中", AHEAD, "達成", "拡充", "", ""),
}


def fill_the_survey(cycle, user):
    """Every entry of the cycle filled in, as after the departments answered: mostly on plan, a few late, three
    whose 進捗 says otherwise than the stage they reached."""
    for entry in StatusEntry.objects.filter(cycle=cycle).select_related("initiative"):
        number = entry.initiative.number
        stage, progress, achievement, direction, issues, reason = DIFFERENT.get(
            number, ("実施中", ON_PLAN, "達成" if number % 3 else "一部達成", "継続", "", "")
        )
        values = {
            "stage_reached": stage,
            "progress": progress,
            "achievement": achievement,
            "direction": direction,
            "actions": f"{entry.initiative.name}について、年次計画に沿って取り組んだ。",
            "issues": issues,
            "progress_reason": reason,
        }
        save_entry(entry, values, user, entry.version)
