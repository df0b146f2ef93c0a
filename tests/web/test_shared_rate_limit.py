"""With Redis as Flask-Limiter's storage, workers share their counts (as gunicorn workers or
several hosts do), so the limit holds across them. Uses the Redis server on loopback."""

from __future__ import annotations

import socket
import uuid

import pytest
from flask import Flask

from quizapp import create_app
from quizapp.extensions import db

REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


PREFIX = f"quizapp-test-{uuid.uuid4().hex}"


@pytest.fixture
def app_config() -> dict[str, object]:
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}",
        "RATELIMIT_KEY_PREFIX": PREFIX,
        "AUTH_RATE_LIMIT": "3 per minute",
    }


@pytest.mark.skipif(not redis_is_up(), reason="no Redis server on 127.0.0.1:6379")
def test_two_workers_share_the_login_limit_through_redis(app: Flask) -> None:
    import redis

    client = redis.Redis(*REDIS)
    second = create_app({**app.config})  # another worker over the same database and Redis
    workers = [app.test_client(), second.test_client()]
    try:
        statuses = [
            workers[i % 2].post("/login", data={"username": "x", "password": "y" * 8}).status_code
            for i in range(4)
        ]
        # Counted together: the first three (over both workers) are answered, the fourth is not.
        assert statuses == [200, 200, 200, 429]
        # ...and the count lives in Redis, where every process and host sees it.
        counts = [client.get(k) for k in client.scan_iter(f"*{PREFIX}*")]
        assert counts and max(int(c) for c in counts if c is not None) >= 3
    finally:
        for key in client.scan_iter(f"*{PREFIX}*"):
            client.delete(key)
        client.close()
        with second.app_context():  # close its pooled connections before the GC finds them
            db.engine.dispose()
