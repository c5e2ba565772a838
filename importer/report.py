"""What an import did, row by row: the summary the CLI prints and the report file it leaves.

Nothing is dropped silently: a row that cannot become a ticket is *rejected*
(with its line and every reason), and a row imported with something left out
(a closing time ignored, an area it could not be placed in) carries a *note*.
The summary shows the first few of each; the report file lists them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

# How many rejected rows and notes the printed summary shows; the file has all.
SHOWN = 20


@dataclass(frozen=True, order=True)
class Issue:
    line: int
    reason: str


@dataclass
class ImportReport:
    source: str
    target: str
    read: int = 0
    imported: int = 0
    rejected: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)
    areas: dict[str, int] = field(default_factory=dict)  # areas built, per level
    placed: dict[str, int] = field(default_factory=dict)  # tickets, per level of their area
    kept_as_is: dict[str, int] = field(default_factory=dict)  # unmapped source values kept as they are

    def render(self, limit: int | None = SHOWN) -> str:
        lines = [
            f"Import of {self.source} into {self.target}",
            f"  records read  {self.read:>9,}",
            f"  imported      {self.imported:>9,}",
            f"  rejected      {len(self.rejected):>9,}",
            f"  areas built   {_counts(self.areas)}",
            f"  tickets in    {_counts(self.placed)}",
        ]
        if self.kept_as_is:
            lines.append(f"  sources not in the mapping, kept as they are: {_counts(self.kept_as_is)}")
        for title, issues in (("Rejected", self.rejected), ("Imported with a note", self.notes)):
            if not issues:
                continue
            lines += ["", f"{title} ({len(issues):,}):"]
            shown = sorted(issues) if limit is None else sorted(issues)[:limit]
            lines += [f"  line {issue.line}: {issue.reason}" for issue in shown]
            if len(shown) < len(issues):
                lines.append(f"  ... {len(issues) - len(shown):,} more in the report file")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(limit=None) + "\n", encoding="utf-8")


def report_path(url: str) -> Path:
    """Where the report file goes: next to a SQLite database, else in the current directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(parsed.database)
        return database.with_name(database.name + ".import-report.txt")
    return Path(f"{parsed.database or 'import'}.import-report.txt")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counts.items()) or "none"
