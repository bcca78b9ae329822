"""Where profiles, scenes and habit history live: one SQLite file in the data directory.

Flow: `ProfileStore(data_dir)` opens `<data_dir>/profiles.sqlite3` (WAL, so the CLI and the
running platform can both use it) → profiles and scenes are JSON documents validated on the
way in and out → habit sessions (context + what the person set) are rows the learner loads at
start and appends to as it learns. Every write is one short transaction, so nothing a person
saved is lost on a crash.

    store = ProfileStore(data_dir)
    store.put(Profile(id="mei", climate={"driver_temperature": 22}))
    store.get("mei").climate.driver_temperature     # 22.0
    store.wipe_history("mei")
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from renkei.apps.profiles.model import GUEST, Profile, ProfileError, check_person_id, guest_profile, parse_profile

DB_FILE = "profiles.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS scenes (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person TEXT NOT NULL,
    started REAL NOT NULL,
    context TEXT NOT NULL,
    actions TEXT NOT NULL DEFAULT '{}',
    accepted TEXT NOT NULL DEFAULT '[]',
    dismissed TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sessions_person ON sessions (person, started);
"""


class ProfileStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)  # habits and places are personal
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=3000")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- profiles -----------------------------------------------------------------------------
    def get(self, person: str) -> Profile | None:
        person = check_person_id(person)
        with self._lock:
            row = self._db.execute("SELECT doc FROM profiles WHERE id = ?", (person,)).fetchone()
        if row is None:
            return guest_profile() if person == GUEST else None
        return parse_profile(json.loads(row[0]), source=f"stored profile {person!r}")

    def put(self, profile: Profile) -> None:
        doc = profile.model_dump_json()
        with self._tx() as db:
            db.execute(
                "INSERT INTO profiles (id, doc, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, updated = excluded.updated",
                (profile.id, doc, time.time()),
            )

    def delete(self, person: str) -> None:
        """Remove a profile and every habit learned for that person."""
        person = check_person_id(person)
        with self._tx() as db:
            gone = db.execute("DELETE FROM profiles WHERE id = ?", (person,)).rowcount
            db.execute("DELETE FROM sessions WHERE person = ?", (person,))
        if not gone:
            raise ProfileError(f"id: there is no profile {person!r}")

    def ids(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM profiles ORDER BY id").fetchall()
        ids = [str(r[0]) for r in rows]
        return ids if GUEST in ids else [GUEST, *ids]

    # -- scenes -------------------------------------------------------------------------------
    def scene_docs(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM scenes ORDER BY name").fetchall()
        return [json.loads(r[0]) for r in rows]

    def put_scene(self, name: str, doc: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO scenes (name, doc) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
                (name, json.dumps(doc, ensure_ascii=False)),
            )

    def delete_scene(self, name: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM scenes WHERE name = ?", (name,)).rowcount > 0

    # -- habit history ----------------------------------------------------------------------------
    def add_session(self, person: str, started: float, context: dict[str, Any]) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO sessions (person, started, context) VALUES (?, ?, ?)",
                (person, started, json.dumps(context, ensure_ascii=False)),
            )
            return int(cur.lastrowid or 0)

    def update_session(self, session: int, actions: dict[str, Any], accepted: list[str], dismissed: list[str]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET actions = ?, accepted = ?, dismissed = ? WHERE id = ?",
                (json.dumps(actions, ensure_ascii=False), json.dumps(accepted), json.dumps(dismissed), session),
            )

    def sessions(self, person: str | None = None, limit: int = 2000) -> list[dict[str, Any]]:
        query = "SELECT id, person, started, context, actions, accepted, dismissed FROM sessions"
        args: tuple[Any, ...] = ()
        if person is not None:
            query += " WHERE person = ?"
            args = (person,)
        query += " ORDER BY started DESC LIMIT ?"
        with self._lock:
            rows = self._db.execute(query, (*args, limit)).fetchall()
        return [
            {
                "id": r[0],
                "person": r[1],
                "started": r[2],
                "context": json.loads(r[3]),
                "actions": json.loads(r[4]),
                "accepted": json.loads(r[5]),
                "dismissed": json.loads(r[6]),
            }
            for r in reversed(rows)
        ]

    def wipe_history(self, person: str) -> int:
        """Forget every habit session of one person; returns how many were removed."""
        person = check_person_id(person)
        with self._tx() as db:
            return int(db.execute("DELETE FROM sessions WHERE person = ?", (person,)).rowcount)
