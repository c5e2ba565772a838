"""The demo city: a generator that fills the contract tables and a live feed that keeps them moving.

OneScreen itself never writes (data_access/ is read-only by construction), so
everything that writes a database lives here, outside the product: a demo,
a test fixture or a benchmark is built with `python -m demo.generate`, and
`python -m demo.live` makes the wall look like a city at work.
"""
