"""Database backups: create, list, verify (restore into a scratch database), restore, prune.

PostgreSQL uses pg_dump/pg_restore in custom format; SQLite uses its online backup API. Every
backup file has a JSON manifest beside it with the row count of every table at the moment of
the dump, so `verify` can prove the file restores to the same data. Uploaded payment slips
are stored in the database, so a backup is complete by itself.

Backups live in the configured storage (`nitsys/storage.py`): `BACKUP_DIR` on this disk by
default, object storage off the box when `STORAGE_URL` is set. A dump is written to a
temporary file, uploaded, and fetched again into a temporary file to verify or restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection

from nitsys import storage
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models.base import utcnow
from nitsys.services import audit, maintenance

PREFIX = "nitsys-"
SUFFIXES = {"postgresql": ".dump", "sqlite": ".sqlite3"}
KEEP_DAILY = 14
KEEP_WEEKLY = 8


@dataclass
class Backup:
    name: str  # the storage key
    created_at: datetime
    kind: str
    tables: dict[str, int]
    sha256: str
    label: str = ""
    verified_at: datetime | None = None
    size: int = 0

    @property
    def manifest_key(self) -> str:
        return manifest_key_of(self.name)

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or utcnow()) - self.created_at

    def save_manifest(self) -> None:
        data = {
            "created_at": self.created_at.isoformat(),
            "kind": self.kind,
            "label": self.label,
            "sha256": self.sha256,
            "tables": self.tables,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        storage.current().put(self.manifest_key, text.encode())


@dataclass
class Verification:
    backup: Backup
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def manifest_key_of(name: str) -> str:
    return name + ".json"


def backup_dir() -> Path:
    """This machine's backup folder (the default storage; also the disk the system page watches)."""
    folder = Path(current_app.config["BACKUP_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_kind(url: URL | None = None) -> str:
    name = (url or db.engine.url).get_backend_name()
    if name not in SUFFIXES:
        raise RuleViolation(f"このデータベース（{name}）のバックアップには対応していません。")
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count_rows(connection: Connection) -> dict[str, int]:
    names = sorted(inspect(connection).get_table_names())
    quote = connection.dialect.identifier_preparer.quote
    return {
        name: connection.execute(text(f"SELECT COUNT(*) FROM {quote(name)}")).scalar_one()
        for name in names
    }


# --- create -------------------------------------------------------------------------------


def _new_name(kind: str, label: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    tail = f"-{label}" if label else ""
    taken = {f.key for f in storage.current().list(f"{PREFIX}{stamp}")}
    name = f"{PREFIX}{stamp}{tail}{SUFFIXES[kind]}"
    n = 2
    while name in taken:
        name = f"{PREFIX}{stamp}{tail}-{n}{SUFFIXES[kind]}"
        n += 1
    return name


@contextmanager
def _scratch_file(suffix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nitsys-backup-") as folder:
        yield Path(folder) / f"backup{suffix}"


def create(label: str = "") -> Backup:
    """Take a consistent backup of the live database into the storage, then apply retention."""
    kind = database_kind()
    name = _new_name(kind, label)
    created_at = utcnow()
    with _scratch_file(SUFFIXES[kind]) as path:
        tables = _dump_postgres(path) if kind == "postgresql" else _dump_sqlite(path)
        backup = Backup(name, created_at, kind, tables, _sha256(path), label)
        backup.size = path.stat().st_size
        with path.open("rb") as stream:
            storage.current().put(name, stream)
    backup.save_manifest()  # after the file: a listed backup always has its data
    prune()
    return backup


@contextmanager
def fetched(backup: Backup) -> Iterator[Path]:
    """The backup's file, downloaded from the storage into a temporary file."""
    with _scratch_file(SUFFIXES.get(backup.kind, "")) as path:
        storage.current().download(backup.name, path)
        yield path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuleViolation(
            f"{Path(command[0]).name} が失敗しました: {result.stderr.strip()[:500]}"
        )


def _dump_postgres(path: Path) -> dict[str, int]:
    # Count and dump in one snapshot, so the manifest describes exactly what the file holds.
    dsn, env = _libpq(db.engine.url)
    with db.engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        tables = count_rows(connection)
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
        _run([*command, f"--snapshot={snapshot}", f"--file={path}", f"--dbname={dsn}"], env)
        connection.rollback()
    return tables


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise RuleViolation("メモリ上の SQLite データベースはバックアップできません。")
    return Path(url.database)


def _dump_sqlite(path: Path) -> dict[str, int]:
    source = sqlite3.connect(_sqlite_path(db.engine.url))
    target = sqlite3.connect(path)
    try:
        source.backup(target)  # the online backup API: consistent while others write
    finally:
        source.close()
        target.close()
    return _count_sqlite_file(path)


def _count_sqlite_file(path: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            integrity = connection.execute(text("PRAGMA integrity_check")).scalar_one()
            if integrity != "ok":
                raise RuleViolation(f"SQLite の整合性検査に失敗しました: {integrity}")
            return count_rows(connection)
    finally:
        engine.dispose()


# --- list / find / prune ------------------------------------------------------------------


def _load(manifest_key: str, size: int) -> Backup | None:
    try:
        data = json.loads(storage.current().get(manifest_key))
        verified = data.get("verified_at")
        return Backup(
            name=manifest_key.removesuffix(".json"),
            created_at=datetime.fromisoformat(data["created_at"]),
            kind=data["kind"],
            tables={str(k): int(v) for k, v in data["tables"].items()},
            sha256=data["sha256"],
            label=data.get("label", ""),
            verified_at=datetime.fromisoformat(verified) if verified else None,
            size=size,
        )
    except (ValueError, KeyError, TypeError, AttributeError, NotFound):
        return None


def list_backups() -> list[Backup]:
    """Backups in the storage, newest first (files without a readable manifest are skipped)."""
    files = {f.key: f for f in storage.current().list(PREFIX) if "/" not in f.key}
    found = (
        _load(key, files[key.removesuffix(".json")].size)
        for key in files
        if key.endswith(".json") and key.removesuffix(".json") in files
    )
    return sorted((b for b in found if b is not None), key=lambda b: b.created_at, reverse=True)


def latest() -> Backup | None:
    backups = list_backups()
    return backups[0] if backups else None


def find(name: str) -> Backup:
    """A backup by its name (a path is accepted too: its last part is the name)."""
    name = Path(name).name
    backup = next((b for b in list_backups() if b.name == name), None)
    if backup is None:
        raise RuleViolation(
            f"バックアップ {name} が見つからないか、マニフェスト（.json）がありません。"
        )
    return backup


def to_keep(backups: list[Backup], now: datetime | None = None) -> set[str]:
    """Everything from the last 24 h, the newest of each of the last 14 days and 8 weeks
    (`BACKUP_KEEP_DAILY` / `BACKUP_KEEP_WEEKLY`)."""
    now = now or utcnow()
    keep = {b.name for b in backups if b.age(now) < timedelta(hours=24)}
    days: dict = {}
    weeks: dict = {}
    for backup in sorted(backups, key=lambda b: b.created_at, reverse=True):
        days.setdefault(backup.created_at.date(), backup.name)
        weeks.setdefault(backup.created_at.isocalendar()[:2], backup.name)
    config = current_app.config
    keep.update(list(days.values())[: config.get("BACKUP_KEEP_DAILY", KEEP_DAILY)])
    keep.update(list(weeks.values())[: config.get("BACKUP_KEEP_WEEKLY", KEEP_WEEKLY)])
    return keep


def prune(now: datetime | None = None) -> list[Backup]:
    """Delete backups outside the retention; returns what was removed."""
    backups = list_backups()
    keep = to_keep(backups, now)
    removed = [b for b in backups if b.name not in keep]
    files = storage.current()
    for backup in removed:
        files.delete(backup.manifest_key)  # first: a half-deleted backup is not listed
        files.delete(backup.name)
    return removed


# --- verify -------------------------------------------------------------------------------


@contextmanager
def _scratch_postgres(url: URL) -> Iterator[URL]:
    name = f"nitsys_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _restored_counts(backup: Backup, path: Path) -> dict[str, int]:
    if backup.kind == "sqlite":
        return _count_sqlite_file(path)  # `path` is already a scratch copy
    with _scratch_postgres(db.engine.url) as scratch:
        dsn, env = _libpq(scratch)
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        _run([*command, f"--dbname={dsn}", str(path)], env)
        engine = create_engine(scratch)
        try:
            with engine.connect() as connection:
                return count_rows(connection)
        finally:
            engine.dispose()


def verify(backup: Backup) -> Verification:
    """Restore into a scratch database and compare every table's row count with the manifest."""
    try:
        with fetched(backup) as path:
            return _verify_file(backup, path)
    except NotFound:
        result = Verification(backup)
        result.problems.append("バックアップのファイルがストレージにありません。")
        return result


def _verify_file(backup: Backup, path: Path) -> Verification:
    result = Verification(backup)
    if _sha256(path) != backup.sha256:
        result.problems.append("ファイルのチェックサムがマニフェストと一致しません（破損・改変）。")
        return result
    if backup.kind != database_kind():
        result.problems.append(f"{backup.kind} のバックアップは現在のデータベースに戻せません。")
        return result
    try:
        result.counts = _restored_counts(backup, path)
    except RuleViolation as error:
        result.problems.append(error.message)
        return result
    for table in sorted(set(backup.tables) | set(result.counts)):
        expected, found = backup.tables.get(table), result.counts.get(table)
        if expected != found:
            result.problems.append(f"{table}: マニフェスト {expected} 行 / 復元結果 {found} 行")
    if result.ok:
        backup.verified_at = utcnow()
        backup.save_manifest()
    return result


# --- restore ------------------------------------------------------------------------------


def restore(backup: Backup) -> tuple[Verification, Backup]:
    """Replace the live database with `backup` (verified first; the current state is kept).

    Returns the verification and the safety backup taken just before. Maintenance mode as it
    is now survives the restore (the settings table is part of the backup).
    """
    verification = verify(backup)
    if not verification.ok:
        raise RuleViolation(
            "検証に失敗したバックアップは復元できません: " + " / ".join(verification.problems)
        )
    safety = create(label="pre-restore")
    state = maintenance.current()
    with fetched(backup) as path:
        db.session.remove()
        db.engine.dispose()  # no pooled connection may hold locks on the tables being replaced
        if backup.kind == "postgresql":
            _restore_postgres(path)
        else:
            _restore_sqlite(path)
    db.engine.dispose()
    maintenance.restore_state(state)
    audit.record(
        None,
        "backup.restore",
        object_type="backup",
        after={"file": backup.name, "safety_backup": safety.name, "rows": backup.total_rows},
    )
    db.session.commit()
    return verification, safety


def _restore_postgres(path: Path) -> None:
    dsn, env = _libpq(db.engine.url)
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges"]
    _run(
        [*command, "--single-transaction", "--exit-on-error", f"--dbname={dsn}", str(path)],
        env,
    )


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(path)
    target = sqlite3.connect(_sqlite_path(db.engine.url))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
