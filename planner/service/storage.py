"""Files in the data folder: content-addressed blobs, data versions unpacked for the planner,
plan folders; every write goes to a temporary name first and is moved into place."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

SAFE_NAME = re.compile(r"[^\w.\-() \u3000-\u9fff]+")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def safe_file_name(name: str, limit: int = 120) -> str:
    """A file name without folders, control characters or odd signs (Chinese kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    base = SAFE_NAME.sub("_", base).strip(" .")
    if len(base) > limit:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else base[:limit]
    return base or "file"


class Storage:
    """The data folder's layout (``blobs/``, ``versions/``, ``plans/``, ``tmp/``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def blob_path(self, digest: str) -> Path:
        """Where the blob of ``digest`` lives."""
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / "blobs" / digest[:2] / digest

    def put_blob(self, data: bytes) -> str:
        """Store ``data`` once (by its hash); return the hash."""
        digest = sha256(data)
        path = self.blob_path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        return digest

    def read_blob(self, digest: str) -> bytes:
        """The bytes of a stored blob."""
        return self.blob_path(digest).read_bytes()

    @contextlib.contextmanager
    def scratch(self, name: str = "upload") -> Iterator[Path]:
        """An empty folder called ``name`` that is removed after the block."""
        base = self.root / "tmp"
        base.mkdir(parents=True, exist_ok=True)
        holder = Path(tempfile.mkdtemp(dir=base))
        try:
            folder = holder / name
            folder.mkdir()
            yield folder
        finally:
            shutil.rmtree(holder, ignore_errors=True)

    def version_folder(self, version_id: int, files: list[tuple[str, str]]) -> Path:
        """The files of a data version as a folder (made once, from the blobs)."""
        folder = self.root / "versions" / str(version_id)
        if folder.is_dir():
            return folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{version_id}-"))
        try:
            for name, digest in files:
                target = temp / name
                try:
                    os.link(self.blob_path(digest), target)
                except OSError:
                    shutil.copyfile(self.blob_path(digest), target)
            os.replace(temp, folder)
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)
            if not folder.is_dir():
                raise
        return folder

    def plan_folder(self, name: str) -> Path:
        """Where the plan folder ``name`` is written."""
        return self.root / "plans" / name
