"""No mapping file and no export makes the importer show a traceback: it imports, or says in a line why not.

Hypothesis mutates a working mapping (a key dropped, a value of the wrong
type or shape, a key added, the TOML text itself broken) and a working
Boston-like export (fields changed to odd text, rows cut or lengthened),
and runs the CLI in-process: it must return 0 or 2, or (argparse) exit with
a message; anything else raised is a defect.
"""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.__main__ import main as import_main
from importer.mapping import KEYS

MAPPING = {
    "timestamps": {"format": "%Y-%m-%d %H:%M:%S", "timezone": "America/New_York"},
    "columns": {"ticket_id": "id", "reported_at": "open_dt", "status": "status", "dept": "dept",
                "lat": "lat", "lon": "lon"},
    "defaults": {"source": "hotline_12345"},
    "status": {"Open": "accepted", "Closed": "closed"},
    "areas": {
        "code": "BOS",
        "name": "Boston",
        "levels": [
            {"level": "district", "column": "ward", "pattern": "(?:Ward )?(\\d+)", "name": "Ward {id}", "digits": 2},
            {"level": "street", "column": "neighborhood", "holds": "name", "ignore": ["Unspecified"], "digits": 4},
        ],
    },
}
HEADER = ["id", "open_dt", "status", "dept", "lat", "lon", "ward", "neighborhood"]
ROW = ["101004113298", "2019-01-01 00:13:00", "Open", "GEN_", "42.28", "-71.13", "Ward 20", "Roslindale"]

odd_text = st.text(alphabet=st.sampled_from(list("aZ09 _-.,\"'\n{}()[]\\*+?%é区")), max_size=12)
any_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 40), odd_text, st.sampled_from(["", "{id}", "(\\d+)", "("])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=5,
)
known_key = st.sampled_from(sorted({key for keys in KEYS.values() for key in keys}))


def toml(value) -> str:
    """TOML for what hypothesis makes (JSON strings are TOML basic strings; None is left out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value if v is not None) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items() if v is not None) + "}"


@st.composite
def mappings(draw) -> str:
    mapping = json.loads(json.dumps(MAPPING))
    for _ in range(draw(st.integers(0, 3))):
        areas = mapping.get("areas")
        levels = areas.get("levels") if isinstance(areas, dict) else None
        tables = [mapping, mapping.get("timestamps"), mapping.get("columns"), areas,
                  *(levels if isinstance(levels, list) else [])]
        table = draw(st.sampled_from([t for t in tables if isinstance(t, dict)]))
        key = draw(st.one_of(st.sampled_from(sorted(table) or ["file"]), known_key))
        if draw(st.booleans()):
            table.pop(key, None)
        else:
            table[key] = draw(any_value)
    text = "\n".join(f"{json.dumps(k)} = {toml(v)}" for k, v in mapping.items() if v is not None)
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(odd_text) + text[cut:]
    return text


@st.composite
def exports(draw) -> str:
    rows = [list(ROW) for _ in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(0, 6))):
        if rows:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(row) - 1))] = draw(odd_text)
    if rows and draw(st.booleans()):
        draw(st.sampled_from(rows)).append("extra")
    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
    return "\n".join(",".join(field(v) for v in row) for row in [HEADER, *rows]) + "\n"


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mapping=mappings(), export=exports())
def test_any_mapping_and_export_imports_or_says_why_not(mapping, export):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "map.toml").write_text(mapping, encoding="utf-8")
        (folder / "export.csv").write_text(export, encoding="utf-8")
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                status = import_main(["csv", str(folder / "export.csv"), "--mapping", str(folder / "map.toml"),
                                      "--url", f"sqlite:///{folder / 'db.sqlite'}"])
            except SystemExit as stop:
                status = stop.code
        assert status in (0, 2)
        assert status == 0 or err.getvalue().startswith("nothing imported: ")
