"""Crash-safe persistence of attributes and chosen signals, in SQLite.

The broker writes through: a publish that touches persisted paths commits one
SQLite transaction (WAL journal, synchronous=FULL) before it returns, so a value
whose write was acknowledged survives a crash or a kill. At start the broker
loads everything back.

    store = SqliteStore(data_dir / "broker.sqlite3")
    store.save([("Vehicle.VehicleIdentification.VIN", "current", "LSV...", 1.7e9)])
    store.load()   # -> [(path, field, value, timestamp), ...]
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Row = tuple[str, str, Any, float]


class SqliteStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS datapoint ("
            " path TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, ts REAL NOT NULL,"
            " PRIMARY KEY (path, field))"
        )

    def save(self, rows: Iterable[Row]) -> None:
        encoded = [(p, f, json.dumps(v), ts) for p, f, v, ts in rows]
        if not encoded:
            return
        with self._db:  # one transaction: all or nothing
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO datapoint (path, field, value, ts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(path, field) DO UPDATE SET value = excluded.value, ts = excluded.ts",
                encoded,
            )

    def load(self) -> list[Row]:
        rows: list[Row] = []
        for path, field, value, ts in self._db.execute("SELECT path, field, value, ts FROM datapoint"):
            try:
                rows.append((path, field, json.loads(value), ts))
            except json.JSONDecodeError:
                continue  # a row we cannot read is skipped, never fatal
        return rows

    def close(self) -> None:
        self._db.close()
