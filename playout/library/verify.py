"""Is a stored clip still the clip that was imported? Checked before it airs.

A file can be deleted, truncated or replaced behind playout's back (a technician tidying
folders, a failing disk). The readiness check, minutes before air, decodes the whole file and
compares its hash with the one recorded at import; at air time the same check without the
decode runs again, and costs nothing when the file has not changed since (the result is kept
per size and modification time).
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from playout.library.steps import file_hash


class FileVerifier:
    def __init__(self, ffmpeg: str | None) -> None:
        self.ffmpeg = ffmpeg
        self._known: dict[tuple[str, int, int, bool], str | None] = {}
        self._lock = threading.Lock()

    def problem(self, path: Path, content_hash: str | None, *, decode: bool = False) -> str | None:
        """What is wrong with the file, in one phrase for the log; None when it is fine."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return f"audio file missing: {path}"
        except OSError as exc:
            return f"audio file unreadable: {path} ({exc.strerror})"
        key = (str(path), st.st_size, st.st_mtime_ns, decode)
        with self._lock:
            if key in self._known:
                return self._known[key]
        found = self._check(path, content_hash, decode)
        with self._lock:
            self._known[key] = found
        return found

    def _check(self, path: Path, content_hash: str | None, decode: bool) -> str | None:
        try:
            if content_hash and file_hash(path) != content_hash:
                return f"audio file changed since import (hash differs): {path}"
        except OSError as exc:
            return f"audio file unreadable: {path} ({exc.strerror})"
        if decode and self.ffmpeg:
            done = subprocess.run([self.ffmpeg, "-v", "error", "-nostdin", "-xerror", "-i", str(path), "-f", "null", "-"],
                                  capture_output=True, text=True, errors="replace")  # fmt: skip
            if done.returncode != 0 or done.stderr.strip():
                detail = (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
                return f"audio file does not decode: {path} ({detail})"
        return None
