"""Run a command with DATABASE_URL pointing at a fresh PostgreSQL database, then drop it.

    python scripts/with_postgres_db.py pytest -x

The server is PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres). The test
suite's xdist workers each make a database of their own named after this one (<name>_gw0, ...)
and drop it when they finish; any a crashed worker left behind are dropped here too.
"""

import os
import secrets
import subprocess
import sys

import psycopg

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main(command: list[str]) -> int:
    name = f"pip_test_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # Throw-away: commits need not wait for the disk (only a crash could lose them).
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    base = ADMIN_URL.rsplit("/", 1)[0]
    env = dict(os.environ, DATABASE_URL=f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1))
    print(f"Running against PostgreSQL database {name}", flush=True)
    try:
        return subprocess.call(command, env=env)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            left = conn.execute(
                "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                (name, name.replace("_", r"\_") + r"\_%"),
            ).fetchall()
            for (database,) in left:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
