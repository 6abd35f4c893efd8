def test_seed_loads_the_fifth_plans_initiatives(plan5):
    assert plan5.initiatives.count() == 26
