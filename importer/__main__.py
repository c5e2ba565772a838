"""`python -m importer csv|open311 [FILE] --mapping MAPPING --url URL`: import an export, print what happened.

    python -m importer csv --mapping importer/mappings/la311.toml --url sqlite:///data/la311.sqlite
    python -m importer open311 requests.json --mapping city.toml --url postgresql+psycopg://loader@db/city

FILE defaults to the mapping's `file`. The summary (rows read, imported,
rejected with line and reason, areas built) is printed and written in full
next to a SQLite database (else in the current directory) as
<database>.import-report.txt. Exits 0 when the import ran (whatever it
rejected), 2 when nothing was imported: the mapping, the file or the target
database cannot be used, or the database refused the data.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from importer.errors import ImporterError
from importer.mapping import MappingError, load_mapping
from importer.pipeline import import_records
from importer.reading import read_csv, read_open311
from importer.report import report_path
from importer.store import DatabaseRefused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m importer", description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=("csv", "open311"), help="the export's format")
    parser.add_argument("file", nargs="?", type=Path, help="the export (default: the mapping's `file`)")
    parser.add_argument("--mapping", required=True, type=Path, help="the mapping file, e.g. importer/mappings/la311.toml")
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the contract database to write")
    parser.add_argument("--replace", action="store_true", help="drop and rebuild contract tables the database already has")
    parser.add_argument("--report", type=Path, help="where to write the full report (default: next to the database)")
    args = parser.parse_args(argv)
    try:
        mapping = load_mapping(args.mapping)
        path = args.file or mapping.file
        if path is None:
            raise MappingError(f"{args.mapping}: name the export as FILE or as `file` in the mapping")
        columns = mapping.source_columns()
        if args.format == "csv":
            records = read_csv(path, columns, mapping.encoding, mapping.delimiter)
        else:
            records = read_open311(path, columns)
        report = import_records(records, mapping, args.url, source=str(path), replace=args.replace)
    except DatabaseRefused as error:
        print(f"nothing imported: the database refused it: {error}", file=sys.stderr)
        return 2
    except ImporterError as error:
        print(f"nothing imported: {error}", file=sys.stderr)
        return 2
    written_to = args.report or report_path(args.url)
    report.write(written_to)
    print(report.render())
    print(f"\nFull report: {written_to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
