"""docs/integration.md is all an integrator needs to write a mapping: every key the parser accepts is documented
there, and every mapping example it shows is one the importer accepts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from importer.mapping import HOLDS, KEYS, TICKET_FIELDS, load_mapping

DOC = (Path(__file__).resolve().parents[1] / "docs" / "integration.md").read_text(encoding="utf-8")
REFERENCE = DOC[DOC.index("### The mapping file, key by key"): DOC.index("### The LA 311 sample")]
EXAMPLES = re.findall(r"```toml\n(.*?)```", REFERENCE, flags=re.S)
HEADER = """
[timestamps]
timezone = "America/New_York"
[columns]
ticket_id = "id"
reported_at = "open_dt"
status = "status"
source = "source"
"""


@pytest.mark.parametrize(
    "key",
    sorted({f"{table}.{key}".lstrip(".") for table, keys in KEYS.items() for key in keys}
           | {f"columns.{field}" for field in TICKET_FIELDS} | {f"holds.{value}" for value in HOLDS}),
)
def test_every_key_the_mapping_parser_accepts_is_in_the_reference(key):
    table, _, name = key.rpartition(".")
    # A value of holds is written quoted; a top-level table as its TOML header.
    spelled = {f'`"{name}"`'} if table == "holds" else {f"`{name}`", f"`[{name}]`"}
    assert any(spelling in REFERENCE for spelling in spelled), key
    if table and table not in ("columns", "holds"):
        assert f"`[{table}]`" in REFERENCE or f"`[[{table}]]`" in REFERENCE, table


@pytest.mark.parametrize("example", EXAMPLES, ids=range(len(EXAMPLES)))
def test_every_mapping_example_in_the_reference_is_accepted(example, tmp_path):
    root = "" if example.lstrip().startswith("[areas]") else '[areas]\ncode = "BOS"\nname = "Boston"\n'
    (tmp_path / "map.toml").write_text(HEADER + root + example, encoding="utf-8")
    assert load_mapping(tmp_path / "map.toml").areas.levels
