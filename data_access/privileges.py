"""What the connected role could change, asked of the database itself.

A read-only transaction is a session default, not a wall: any role may `SET
TRANSACTION READ WRITE`, and then only the role's privileges stand between a
wrong query and the city's data. So OneScreen asks, at start-up, what its
role may do, and refuses to run on one that could write (see
`Database.from_settings`).
"""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from data_access import contract

# Privileges that change data or the schema; SELECT and SHOW VIEW are what a reader needs.
_PG_TABLE_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
_MYSQL_WRITES = ("INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE", "SUPER")


class WritableRoleError(RuntimeError):
    """The database role could write, and the operator has not allowed it."""


def writable_privileges(conn: Connection) -> list[str]:
    """What the connection's role may do beyond reading ("superuser", "INSERT on ticket", ...); empty: read-only.

    PostgreSQL and MySQL/MariaDB only: a SQLite file opened `mode=ro` refuses every write, whoever asks.
    """
    if conn.dialect.name == "postgresql":
        return _postgresql(conn)
    return _mysql(conn)


def _postgresql(conn: Connection) -> list[str]:
    found = []
    role = conn.execute(
        text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).one()
    if role.rolsuper:
        found.append("superuser")
    if role.rolcreaterole:
        found.append("CREATEROLE")  # it may make itself a role that can write
    # to_regclass follows the search path, as OneScreen's queries do; a table it cannot find is not read.
    rows = conn.execute(
        text(
            "SELECT t.name, pg_has_role(current_user, c.relowner, 'USAGE') AS owns,"
            " ARRAY(SELECT p FROM unnest(CAST(:privileges AS text[])) AS p"
            "       WHERE has_table_privilege(c.oid, p)) AS writes"
            " FROM unnest(CAST(:names AS text[])) AS t(name)"
            " JOIN pg_class c ON c.oid = to_regclass(t.name)"
            " ORDER BY t.name"
        ),
        {"names": sorted(contract.metadata.tables), "privileges": list(_PG_TABLE_WRITES)},
    ).all()
    for row in rows:
        if row.owns:
            found.append(f"owner of {row.name}")
        if row.writes:
            found.append(f"{', '.join(row.writes)} on {row.name}")
    schema = conn.execute(
        text("SELECT current_schema() AS name, has_schema_privilege(current_schema(), 'CREATE') AS can_create")
    ).one()
    if schema.can_create:
        found.append(f"CREATE on schema {schema.name}")
    return found


def _mysql(conn: Connection) -> list[str]:
    # information_schema names a grantee 'user'@'host'; CURRENT_USER() is the account the server matched.
    user, _, host = conn.execute(text("SELECT CURRENT_USER()")).scalar().rpartition("@")
    rows = conn.execute(
        text(
            "SELECT '' AS on_what, PRIVILEGE_TYPE AS privilege FROM information_schema.USER_PRIVILEGES"
            " WHERE GRANTEE = :grantee AND PRIVILEGE_TYPE IN :writes"
            " UNION ALL SELECT 'database', PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES"
            # A database-level grant may name a pattern (city\_%), so the current database is matched against it.
            " WHERE GRANTEE = :grantee AND DATABASE() LIKE TABLE_SCHEMA AND PRIVILEGE_TYPE IN :writes"
            " UNION ALL SELECT TABLE_NAME, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES"
            " WHERE GRANTEE = :grantee AND TABLE_SCHEMA = DATABASE() AND PRIVILEGE_TYPE IN :writes"
        ).bindparams(bindparam("writes", expanding=True)),
        {"grantee": f"'{user}'@'{host}'", "writes": list(_MYSQL_WRITES)},
    ).all()
    by_target: dict[str, list[str]] = {}
    for row in rows:
        by_target.setdefault(row.on_what, []).append(row.privilege)
    return [
        f"{', '.join(privileges)} on {target or 'every database'}"
        for target, privileges in sorted(by_target.items())
    ]

