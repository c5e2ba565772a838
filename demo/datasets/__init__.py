"""Public data sets shipped with the repository, xz-compressed, unpacked on first use into data/datasets/.

    python -m demo.datasets la311

writes data/datasets/la311/ (what importer/mappings/la311.toml reads); `make
demo-la311` and the LA 311 tests call the same function, so a clean clone
needs nothing beside it. A file is unpacked again only when its archive is
newer, and written under a temporary name first, so two processes unpacking at
once never read half a file.
"""
from __future__ import annotations

import lzma
import os
import shutil
import tempfile
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent
UNPACKED = SHIPPED.parents[1] / "data" / "datasets"


def unpacked(name: str) -> Path:
    """The folder holding data set `name` (a folder of demo/datasets/) uncompressed."""
    archives = sorted((SHIPPED / name).glob("*.xz"))
    if not archives:
        raise FileNotFoundError(f"no data set {name!r} in {SHIPPED}")
    target = UNPACKED / name
    target.mkdir(parents=True, exist_ok=True)
    for archive in archives:
        out = target / archive.stem
        if out.exists() and out.stat().st_mtime >= archive.stat().st_mtime:
            continue
        with lzma.open(archive) as source, tempfile.NamedTemporaryFile(dir=target, delete=False) as partial:
            shutil.copyfileobj(source, partial)
        os.chmod(partial.name, 0o644)  # a temporary file is private; the data is public
        os.replace(partial.name, out)
    return target
