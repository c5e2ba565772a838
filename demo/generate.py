"""Build a demo city and write it into a database: `python -m demo.generate --preset gusu --url URL`.

The result is exactly the contract tables (docs/contract.md), every
column filled the way a real centre's database would fill it, for the
preset's size: `tiny` for tests, `gusu` (Suzhou's old-city district, the
default) for demos, `chengdu` (a megacity, 2 M tickets) for benchmarks,
`chengdu10` (the same megacity after ten years, 21.6 M tickets, built and
streamed into the database 73 days at a time in under 1 GiB) for
bench/scale10.py. Any existing contract tables are dropped first: the
target is a demo database.

Output depends only on (preset, seed, now): each phase draws from its own
random stream, so the same arguments give the same database.
"""
from __future__ import annotations

import argparse
import json
import logging
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta
from time import perf_counter

import numpy as np
import pandas as pd
from sqlalchemy import create_engine

from demo.bulk_load import load_tables
from demo.catalogue import category_table, department_table, ticket_items
from demo.crowd import readings, sensor_layout, snapshot_times, zone_table
from demo.funds import fit_to_budgets, synthesize_accounts, synthesize_expenses
from demo.presets import PRESETS
from demo.tickets import synthesize_tickets, ticket_history
from demo.tiling import build_city
from demo.workforce import ping_window_start, synthesize_positions, synthesize_workers

log = logging.getLogger(__name__)


def generate(url: str, preset: str = "gusu", seed: int = 42, now: datetime | None = None) -> dict:
    """Write the `preset` city as of `now` into the database at `url`; return row counts and timings.

    `now` defaults to the current local time with seconds zeroed. The
    summary has `rows` (per table), `seconds` (per build and load phase)
    and `total_seconds`.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}")
    spec = PRESETS[preset]
    now = now or datetime.now().replace(second=0, microsecond=0)
    history_start = now - timedelta(days=spec.ticket_days)
    items = ticket_items()
    seconds: dict[str, float] = {}
    started = perf_counter()

    with _phase(seconds, "build_area"):
        city = build_city(spec, _stream(seed, "areas"))
    ticket_args = dict(
        leaves=city.leaves,
        streets=city.ancestors["street"],
        items=items,
        daily_rate=spec.tickets_per_day,
        days=spec.ticket_days,
        now=now,
        rng=_stream(seed, "tickets"),
    )
    if spec.ticket_chunk_days is None:
        with _phase(seconds, "build_ticket"):
            tickets = synthesize_tickets(**ticket_args)
        handled = tickets
    else:
        # Too many to hold: built while they load, a sample of the handled ones kept for the fund expenses.
        handled = []
        tickets = _streamed_tickets(ticket_args, spec.ticket_chunk_days, seed, seconds, handled)
    with _phase(seconds, "build_grid_worker"):
        workers = synthesize_workers(spec.workers, spec.role_shares, city.leaves, _stream(seed, "workers"))
        parents = city.areas.set_index("area_code")["parent_code"]
        positions = synthesize_positions(
            workers, city.leaves, parents, now, ping_window_start(now, spec.ping_hours), _stream(seed, "positions")
        )
    with _phase(seconds, "build_crowd"):
        crowd_rng = _stream(seed, "crowd")
        zones, zone_shapes = zone_table(spec.crowd_zones, city.leaves, crowd_rng)
        layout = sensor_layout(zones, zone_shapes, city.outline, spec.sensors_per_zone, spec.background_cells, crowd_rng)
        crowd = readings(layout, zones, snapshot_times(now, spec.crowd_days), crowd_rng)
    fund_rng = _stream(seed, "funds")
    fund_units = city.areas.loc[city.areas["level"] == spec.fund_level, "area_code"].to_numpy()
    accounts = synthesize_accounts(fund_units, history_start.year, now.year, fund_rng)

    def fund_expenses(handled_tickets: pd.DataFrame) -> pd.DataFrame:
        with _phase(seconds, "build_fund"):
            expenses = synthesize_expenses(
                tickets=handled_tickets,
                items=items,
                leaves=city.leaves,
                unit_of_leaf=city.ancestors[spec.fund_level],
                count=int(fund_rng.poisson(spec.fund_projects_per_year * spec.ticket_days / 365)),
                now=now,
                since=history_start,
                rng=fund_rng,
            )
            return fit_to_budgets(expenses, accounts, now, fund_rng)

    if isinstance(tickets, pd.DataFrame):
        expenses = fund_expenses(handled)
    else:
        # Lazy: load_tables loads chunked tables in order, so the tickets are in (and sampled) by then.
        expenses = (fund_expenses(pd.concat(handled, ignore_index=True)) for _ in range(1))

    frames = {
        "area": city.areas,
        "department": department_table(),
        "category": category_table(),
        "ticket": tickets,
        "grid_worker": workers,
        "worker_position": positions,
        "crowd_zone": zones,
        "crowd_reading": crowd,
        "fund_account": accounts,
        "fund_expense": expenses,
    }
    rows = {name: len(frame) for name, frame in frames.items() if isinstance(frame, pd.DataFrame)}
    if not isinstance(tickets, pd.DataFrame):
        frames["ticket"] = _counted(tickets, rows, "ticket")
        frames["fund_expense"] = _counted(expenses, rows, "fund_expense")
    engine = create_engine(url)
    try:
        seconds.update(load_tables(engine, frames))
    finally:
        engine.dispose()
    if spec.ticket_chunk_days is not None:
        # Streamed: the loads waited for their rows to be built; report building and loading apart.
        seconds["load_ticket"] -= seconds["build_ticket"]
        seconds["load_fund_expense"] -= seconds["build_fund"]
    return {
        "preset": preset,
        "seed": seed,
        "now": now.isoformat(sep=" "),
        "rows": {name: rows[name] for name in frames},
        "seconds": {phase: round(value, 2) for phase, value in seconds.items()},
        "total_seconds": round(perf_counter() - started, 2),
    }


# Share of the handled tickets kept as candidates for fund expenses when tickets are streamed:
# ~2 % of ten years of Chengdu is ~400 k, several times the ~63 k expenses that fix a ticket.
EXPENSE_CANDIDATE_SHARE = 0.02


def _streamed_tickets(ticket_args: dict, chunk_days: int, seed: int, seconds: dict[str, float], handled: list):
    """Ticket chunks as ticket_history builds them; appends a sample of each chunk's handled ones to `handled`.

    The time spent building (not loading) accumulates in seconds["build_ticket"].
    """
    sample_rng = _stream(seed, "ticket-sample")
    chunks = ticket_history(**ticket_args, chunk_days=chunk_days, chunk_rng=lambda k: _stream(seed, f"tickets-{k}"))
    seconds["build_ticket"] = 0.0
    built = 0
    while True:
        started = perf_counter()
        chunk = next(chunks, None)
        seconds["build_ticket"] += perf_counter() - started
        if chunk is None:
            return
        done = chunk["handled_at"].notna().to_numpy()
        keep = done & (sample_rng.random(len(chunk)) < EXPENSE_CANDIDATE_SHARE)
        handled.append(chunk.loc[keep, ["ticket_id", "category_code", "area_code", "handled_at"]].reset_index(drop=True))
        built += len(chunk)
        log.info("tickets: %d built (up to %s)", built, chunk["reported_at"].iloc[-1])
        yield chunk


def _counted(chunks, rows: dict[str, int], name: str):
    rows[name] = 0
    for chunk in chunks:
        rows[name] += len(chunk)
        yield chunk


def _stream(seed: int, phase: str) -> np.random.Generator:
    """An independent random stream per phase: changing one phase's draws leaves the others as they were."""
    return np.random.default_rng([seed, zlib.crc32(phase.encode())])


@contextmanager
def _phase(seconds: dict[str, float], name: str):
    started = perf_counter()
    yield
    seconds[name] = perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="gusu")
    parser.add_argument("--url", required=True, help="SQLAlchemy URL, e.g. sqlite:///data/demo.sqlite")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--now", type=datetime.fromisoformat, help="the city's 'now', e.g. 2026-11-22T09:30")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    summary = generate(args.url, args.preset, args.seed, args.now)
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
