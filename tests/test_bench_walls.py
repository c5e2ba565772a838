"""bench/walls.py posts what a wall's browser posts, and counts its answers honestly.

The benchmark's figures are only worth something if its request is the real
refresh: built from the server's /_dash-dependencies, accepted by the
callback's input checks (callbacks/inputs.py) and answered with the wall's
panels. The city is the demo generator's tiny preset.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from app import create_app
from bench.walls import Answer, latency_summary, refresh_body
from components import ids
from demo.generate import generate
from tests.support import settings_for, signed_in

NOW = datetime(2026, 11, 20, 12, 0)


@pytest.fixture(scope="module")
def wall_client(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench_walls") / "tiny.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=NOW)
    app = create_app(settings_for(f"sqlite:///{path}", frozen_now=NOW))
    return signed_in(app, role="leader")


def test_the_benchmarks_refresh_is_answered_with_the_walls_panels(wall_client):
    dependencies = wall_client.get("/_dash-dependencies").get_json()
    body = refresh_body(dependencies, refresh=5)(2)
    response = wall_client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    answered = response.get_json()["response"]
    assert ids.WALL_TITLE in answered and ids.WALL_OVERVIEW_TILES in answered
    sent = json.loads(body)
    assert {"id": ids.URL, "property": "search", "value": "?refresh=5"} in sent["state"]


def test_the_summary_counts_errors_in_the_latency_and_only_answers_per_second():
    answers = [Answer(0, 0.1, "200"), Answer(1, 0.2, "200"), Answer(2, 30.0, "timeout"), Answer(3, 0.3, "503")]
    summary = latency_summary(answers, seconds=2)
    assert summary["answers_per_s"] == 1.0 and summary["errors"] == 2
    assert summary["max_ms"] == 30000.0 and summary["outcomes"] == {"200": 2, "timeout": 1, "503": 1}
