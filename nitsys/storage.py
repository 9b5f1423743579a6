"""Generated files (backups, archives, large PDFs) behind one interface every instance can read.

`current()` answers the configured backend:

- `STORAGE_URL` empty or `file:///path`: a local directory (default `BACKUP_DIR`) — right for
  one machine and for development;
- `STORAGE_URL=s3://bucket/optional/prefix`: S3-compatible object storage (AWS S3, Cloudflare
  R2, Backblaze B2, MinIO) with `S3_ENDPOINT_URL` (empty for AWS), `S3_REGION` and the usual
  `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` variables.

Keys are relative, slash-separated names (`nitsys-20261204-030000.dump`,
`archives/meet-325-20261204-1800.zip`); services name files by key and never open paths.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import current_app

from nitsys.domain.errors import NotFound

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    def put(self, key: str, data: bytes | BinaryIO) -> None: ...
    def get(self, key: str) -> bytes: ...
    def download(self, key: str, target: Path) -> None: ...
    def list(self, prefix: str = "") -> list[StoredFile]: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str, *, expires: int = 300) -> str | None: ...
    def describe(self) -> str: ...


def check_key(key: str) -> str:
    """A relative name without `..`, backslashes or control characters (else ValueError)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or any(ord(c) < 32 for c in key)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """A directory on this machine's disk; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as stream:
                if isinstance(data, bytes | bytearray):
                    stream.write(data)
                else:
                    shutil.copyfileobj(data, stream, CHUNK)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"ファイル {key} が見つかりません。")
        return path.read_bytes()

    def download(self, key: str, target: Path) -> None:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"ファイル {key} が見つかりません。")
        shutil.copyfile(path, target)

    def list(self, prefix: str = "") -> list[StoredFile]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".part-"):
                stat = path.stat()
                found.append(
                    StoredFile(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
                )
        return sorted(found, key=lambda f: f.key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str, *, expires: int = 300) -> str | None:
        return None  # the app streams local files itself

    def describe(self) -> str:
        return f"ローカル ({self.root})"


class S3Storage:
    """A bucket (and optional prefix) on any S3-compatible service."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str = "", region: str = ""):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.client = _s3_client(endpoint_url, region)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        if isinstance(data, bytes | bytearray):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=bytes(data))
        else:
            self.client.upload_fileobj(data, self.bucket, self._key(key))

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as error:
            raise NotFound(f"ファイル {key} が見つかりません。") from error
        return answer["Body"].read()

    def download(self, key: str, target: Path) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.download_file(self.bucket, self._key(key), str(target))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise NotFound(f"ファイル {key} が見つかりません。") from error
            raise

    def _pages(self, prefix: str) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            yield from page.get("Contents", [])

    def list(self, prefix: str = "") -> list[StoredFile]:
        found = [
            StoredFile(item["Key"][len(self.prefix) :], item["Size"], item["LastModified"])
            for item in self._pages(prefix)
        ]
        return sorted(found, key=lambda f: f.key)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str, *, expires: int = 300) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires
        )

    def describe(self) -> str:
        where = f" ({self.endpoint_url})" if self.endpoint_url else ""
        return f"S3 s3://{self.bucket}/{self.prefix}{where}"


@lru_cache(maxsize=8)
def _s3_client(endpoint_url: str, region: str):
    import boto3
    from botocore.config import Config

    # Path-style addressing works with every S3-compatible service (MinIO needs it).
    options = Config(
        s3={"addressing_style": "path"} if endpoint_url else {},
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=options
    )


def from_settings(config) -> Storage:
    """The backend a config mapping describes (see the module docstring)."""
    url = (config.get("STORAGE_URL") or "").strip()
    if not url:
        return LocalStorage(config["BACKUP_DIR"])
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(parts.path)
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(
            parts.netloc,
            parts.path,
            endpoint_url=config.get("S3_ENDPOINT_URL") or "",
            region=config.get("S3_REGION") or "",
        )
    raise ValueError(f"STORAGE_URL {url!r}: use file:///path or s3://bucket/prefix")


def current() -> Storage:
    return from_settings(current_app.config)
