"""The files an import writes, all under ``GEOCRM_HOME/imports`` (never the checkout nor the
current directory): uploads waiting for their import (``uploads/``) and rejects reports
(``rejects/``). Names are random (uuid4), never derived from a client's file name, so two
servers or processes sharing ``GEOCRM_HOME`` cannot overwrite each other's files; the
directories are 0700 and the files 0600 (they hold customers' personal data). An upload
left behind by a server that died mid-import is swept a day later (``sweep``).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from geocrm.settings import database_settings


def imports_dir(kind: str) -> Path:
    """``GEOCRM_HOME/imports/<kind>``, created (0700) if needed."""
    folder = database_settings().home / "imports" / kind
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for level in (folder.parent, folder):
        level.chmod(0o700)
    return folder


def new_private_file(kind: str, prefix: str = "", suffix: str = "") -> tuple[Path, BinaryIO]:
    """A new file of its own under ``imports_dir(kind)``: (path, open for binary writing).

    The name is ``prefix`` + a uuid4 + ``suffix``; created exclusively with mode 0600."""
    path = imports_dir(kind) / f"{prefix}{uuid.uuid4().hex}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return path, os.fdopen(fd, "wb")


#: An upload older than this is left over from a crash: no import takes a day.
STALE_UPLOAD_S = 24 * 3600


def sweep(kind: str, older_than_s: float = STALE_UPLOAD_S) -> int:
    """Delete the files of ``imports_dir(kind)`` not modified for ``older_than_s`` seconds
    (what a killed server left); returns how many."""
    cutoff = time.time() - older_than_s
    swept = 0
    for path in imports_dir(kind).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                swept += 1
        except FileNotFoundError:  # another process swept it first
            continue
    return swept
