"""Sign-in throttling holds across workers (issue #16): two processes — two gunicorn workers, or
two servers — count wrong passwords in one place (Redis), so the limit is the limit whatever
the number of processes; and production will not start counting per process (`memory://`)
unless the operator states that only one process serves the app.

The Redis test needs the server on 127.0.0.1:6379. Under CI=true it always runs (a missing
Redis fails it); elsewhere it is skipped only when Redis does not answer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pip_app import create_app
from pip_app.config import check_throttle_storage
from pip_app.extensions import db

REDIS = "redis://127.0.0.1:6379"
ROOT = Path(__file__).resolve().parent.parent

# One worker: its own app and its own limiter, as a gunicorn worker has; `attempts` wrong
# passwords for one account through /login; prints the statuses.
WORKER = """
import json, re, sys
from pip_app import create_app
config, email, attempts = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
client = create_app(config).test_client()
statuses = []
for _ in range(attempts):
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": "not-the-password", "csrf_token": token})
    statuses.append(response.status_code)
print(json.dumps(statuses))
"""


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def shared_store():
    """The Redis URI; fails under CI when Redis is missing, else skips."""
    if not redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not answering on 127.0.0.1:6379: CI must run the shared throttling test.")
        pytest.skip("Redis is not answering on 127.0.0.1:6379 (CI runs this test)")
    return REDIS


def run_worker(database_url: str, storage: str, prefix: str, email: str, attempts: int) -> list[int]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "TWO_FACTOR_REQUIRED_ROLES": [],
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_ACCOUNT_LIMIT": "4 per 15 minutes",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    result = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(config), email, str(attempts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def two_workers(database_url, storage, email) -> tuple[list[int], list[int]]:
    """Three wrong passwords in one worker, then three in another, against a limit of four."""
    prefix = f"pip-test-{uuid.uuid4().hex}"
    db.session.commit()  # the workers are processes of their own
    return (run_worker(database_url, storage, prefix, email, 3), run_worker(database_url, storage, prefix, email, 3))


def test_two_workers_share_one_count_in_redis(database_url, make_user, shared_store):
    user = make_user()
    first, second = two_workers(database_url, shared_store, user.email)
    assert 429 not in first, first
    assert second[0] != 429 and second[1:] == [429, 429], second  # the 4th failure allowed, the 5th refused


def test_per_process_counts_let_each_worker_allow_the_limit_again(database_url, make_user):
    """Why production refuses memory:// — the same six attempts, none refused."""
    user = make_user()
    first, second = two_workers(database_url, "memory://", user.email)
    assert 429 not in first + second, (first, second)


def production(**settings) -> dict:
    return {"PRODUCTION": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", **settings}


def test_production_refuses_per_process_counts_unless_one_process_is_stated():
    with pytest.raises(RuntimeError, match=re.escape("PIP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379")):
        check_throttle_storage(production())
    check_throttle_storage(production(SINGLE_PROCESS=True))  # the operator says: one worker, one server
    check_throttle_storage(production(RATELIMIT_STORAGE_URI=REDIS))
    check_throttle_storage(production(RATELIMIT_ENABLED=False))
    check_throttle_storage({**production(), "PRODUCTION": False})  # development: one process


def test_the_production_app_will_not_start_on_memory_storage(database_url, monkeypatch):
    monkeypatch.setenv("PIP_ENV", "production")
    monkeypatch.delenv("PIP_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("PIP_SINGLE_PROCESS", raising=False)
    config = {"SECRET_KEY": "a-production-secret-for-this-test", "SQLALCHEMY_DATABASE_URI": database_url}
    with pytest.raises(RuntimeError, match="counted per process"):
        create_app(config)
    monkeypatch.setenv("PIP_SINGLE_PROCESS", "1")  # as the environment gives it (parsed as JSON: 1)
    assert create_app(config).config["SINGLE_PROCESS"] == 1
