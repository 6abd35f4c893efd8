from django.urls import reverse

from initiatives.models import Initiative
from plan.models import Goal


def test_an_initiative_cannot_serve_another_plans_goal(admin_client, plan5, plan4):
    initiative = Initiative.objects.get(plan=plan5, number=1)
    other_plan_goal = Goal.objects.create(plan=plan4, order=1, code="I", title="他の計画の目標")
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(goals=[other_plan_goal.pk], carried_from=[], department="", target_stage="")
    for prefix in ("roadmap", "evaluations"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert (
        "この個別計画の計画（第五次東大和市情報化推進計画）の目標だけを選んでください。"
        in response.content.decode()
    )
    assert list(initiative.goals.values_list("code", flat=True)) == ["I", "II"]
