"""The schedule files as the web editor writes them: atomically, with a backup, never over a
file that changed since it was read, and only the keys whose meaning changed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import tomlkit

from playout.scheduling import store
from playout.scheduling.files import read_folder
from playout.scheduling.parse import _days

HAND = """# written by hand
[[slot]]
id = "sang"   # the log keys on it
days = ["t2", "t5"]   # Monday and Thursday
times = ["05:30"]

  # the slogans
  [[slot.item]]
  rotation = { kind = "slogan", count = 2 }
"""
AT = datetime(2026, 11, 30, 9, 3, 4)


def test_a_write_keeps_the_old_version_and_leaves_nothing_the_loader_reads(tmp_path: Path) -> None:
    (tmp_path / "sang.toml").write_text(HAND, encoding="utf-8")
    folder = store.Folder.read(tmp_path)
    first = folder.write({"sang.toml": b"# one\n"}, folder.digests(), AT)
    again = store.Folder.read(tmp_path)
    second = again.write({"sang.toml": b"# two\n"}, again.digests(), AT)  # the same second
    assert first == [".backup/sang.toml.20261130-090304"] and second == [".backup/sang.toml.20261130-090304-2"]
    assert (tmp_path / first[0]).read_text(encoding="utf-8") == HAND
    assert (tmp_path / second[0]).read_bytes() == b"# one\n"
    assert (tmp_path / "sang.toml").read_bytes() == b"# two\n"
    files, problems = read_folder(tmp_path)
    assert [Path(name).name for name, _ in files] == ["sang.toml"] and problems == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".backup", "sang.toml"]  # no temporary file left


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path: Path) -> None:
    (tmp_path / "sang.toml").write_text(HAND, encoding="utf-8")
    folder = store.Folder.read(tmp_path)
    (tmp_path / "sang.toml").write_text(HAND + "# and by hand\n", encoding="utf-8")
    with pytest.raises(store.EditConflict) as caught:
        folder.write({"sang.toml": b"# mine\n"}, folder.digests(), AT)
    assert caught.value.render("en").startswith("sang.toml was changed (by hand or from another page)")
    assert (tmp_path / "sang.toml").read_text(encoding="utf-8").endswith("# and by hand\n")
    assert not (tmp_path / ".backup").exists()
    # A file that did not exist when the page was read, and exists now, is a change too.
    (tmp_path / "new.toml").write_text("# made meanwhile\n", encoding="utf-8")
    with pytest.raises(store.EditConflict):
        folder.write({"new.toml": b"# mine\n"}, folder.digests(), AT)
    assert (tmp_path / "new.toml").read_text(encoding="utf-8") == "# made meanwhile\n"


def test_only_the_keys_whose_meaning_changed_are_rewritten() -> None:
    doc = tomlkit.parse(HAND)
    values = {"id": "sang", "days": ["mon", "thu"], "times": ["05:45"], "priority": 10,
              "item": [{"_index": 0, "rotation": {"kind": "slogan", "count": 2}}]}  # fmt: skip
    store.apply_slot(doc, 0, values, {"days": _days})
    text = tomlkit.dumps(doc)
    assert 'days = ["t2", "t5"]   # Monday and Thursday' in text  # the same days, as written
    assert 'times = ["05:45"]' in text
    assert "priority" not in text  # the default, where the file had no key
    assert "# written by hand" in text and "# the slogans" in text and 'id = "sang"   # the log keys on it' in text
