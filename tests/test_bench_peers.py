"""bench/peers.py: its hand-written SQL, its naive pandas pattern and OneScreen give the same answers on a city,
and its comparison tells a different answer from an equal one (Superset is not installed for the tests)."""
from __future__ import annotations

from datetime import datetime

import pytest

from bench.peers import Floor, Naive, OneScreen, choose, differences
from demo.generate import generate
from tests.support import fresh_database_url

NOW = datetime(2026, 11, 20, 15, 30)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("peers")
    url = fresh_database_url("postgresql", "onescreen_peers", tmp)
    generate(url, preset="tiny", seed=7, now=NOW)
    period, questions, _facts = choose(url)
    tools = {"onescreen": OneScreen(url, tmp, allow_writable_role=True, refresher=False),
             "naive": Naive(url), "sql": Floor(url)}
    yield period, questions, tools
    for tool in tools.values():
        tool.close()


def test_every_question_is_answered_alike_by_onescreen_the_naive_pattern_and_the_sql(city):
    period, questions, tools = city
    assert [q.name for q in questions] == ["city_kpis", "closure_by_district", "backlog_by_age", "street_kpis",
                                           "grid_kpis"]
    for question in questions:
        answers = {name: tool.ask(question, period, True)[1] for name, tool in tools.items()}
        reference = answers["sql"]
        # Something to compare: the period questions count tickets, the backlog question has open tickets.
        counted = "backlog" if question.kind == "backlog_age" else "reported"
        assert sum(row.get(counted) or 0 for row in reference.values()) > 0, question.name
        for name in ("onescreen", "naive"):
            assert differences(reference, answers[name]) == [], (question.name, name)


def test_a_different_count_or_a_rate_that_is_zero_instead_of_na_is_a_difference():
    reference = {"all": {"reported": 10, "closed": 4, "closure_rate": None, "backlog": 0}}
    assert differences(reference, {"all": {"reported": 10, "closed": 4, "closure_rate": None}}) == []
    assert differences(reference, {"all": {"reported": 11, "closed": 4, "closure_rate": None}}) == [
        "all.reported: 10 vs 11"]
    assert differences(reference, {"all": {"reported": 10, "closed": 4, "closure_rate": 0.0}}) == [
        "all.closure_rate: None vs 0.0"]
    assert differences({"a": {"closure_rate": 0.5}}, {"a": {"closure_rate": 0.5 + 1e-6}}) != []
    assert differences({"a": {"backlog": 3}}, {"b": {"backlog": 3}}) == ["a.backlog: 3 vs 0", "b.backlog: 0 vs 3"]
