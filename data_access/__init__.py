"""The only code that touches the city's database: read-only, scoped, aggregated in SQL, cached.

`DatabaseError` is what any query raises when the database fails or refuses
(down, timed out, permission): callers above this layer catch it without
knowing which driver or SQL toolkit sits underneath.
"""
from sqlalchemy.exc import DBAPIError as DatabaseError

__all__ = ["DatabaseError"]
