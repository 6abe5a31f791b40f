"""One MongoClient per container, created lazily on first use (never at import time)."""
from __future__ import annotations

from functools import lru_cache

from pymongo import MongoClient
from pymongo.database import Database

from .settings import get_settings


@lru_cache(maxsize=1)
def get_client() -> MongoClient:
    settings = get_settings()
    timeout = settings.mongodb_timeout_ms
    return MongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=max(timeout * 3, 10_000),
        maxPoolSize=10,
        appname="tuber",
    )


def get_db() -> Database:
    return get_client()[get_settings().mongodb_db]


def reset_clients() -> None:
    """Forget the cached client and settings (tests switch databases between cases)."""
    if get_client.cache_info().currsize:
        get_client().close()
    get_client.cache_clear()
    get_settings.cache_clear()
