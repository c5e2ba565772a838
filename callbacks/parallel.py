"""A view's independent questions asked at once, so a cold view waits for its slowest question, not their sum.

A view's refresh asks the database several questions that do not depend on
one another (the tickets view: six backlog breakdowns, the KPIs, two lists).
Asked one after the other, a cold refresh takes their sum; here each is run
on a shared pool on a connection of its own, and the refresh takes about the
slowest (on a 2-core machine, about half the sum). Each runs in a copy of the
asking request's context, so the block watching how old its answers are
(data_access.cache.watch_staleness) sees those asked on the pool too.

The pool is per process and bounded (QUERY_THREADS), so the connections the
views take at once stay within the engine's pool whatever the number of
requests.
"""
from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

QUERY_THREADS = 4
_POOL = ThreadPoolExecutor(max_workers=QUERY_THREADS, thread_name_prefix="view-queries")


def ask(question: Callable[..., T], *args) -> Future[T]:
    """`question(*args)` started on the pool, in a copy of the caller's context; `.result()` is its answer."""
    return _POOL.submit(contextvars.copy_context().run, question, *args)
