"""Every message a person can see exists in both languages, and every id the code uses exists."""

from __future__ import annotations

import re
import string

from playout import i18n
from tests.conftest import ROOT


def test_every_message_has_vietnamese_and_english_with_the_same_fields() -> None:
    for msg_id, entry in {**i18n.MESSAGES, **i18n.LABELS}.items():
        assert set(entry) == {"vi", "en"}, msg_id
        fields = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in ("vi", "en")]
        assert fields[0] == fields[1], msg_id


def test_every_message_id_used_in_the_code_exists() -> None:
    pattern = re.compile(r"""(?:Error|Rejected|Missing|NotFound|_reject|\bt)\(\s*["']([a-z_]+\.[a-z_]+)["']""")
    used = set()
    for path in (ROOT / "playout").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found nothing: it is broken"
    missing = sorted(u for u in used if u not in i18n.MESSAGES and u not in i18n.LABELS)
    assert missing == []


def test_durations_read_like_a_broadcaster_writes_them() -> None:
    assert i18n.fmt_duration(0) == "0:00"
    assert i18n.fmt_duration(61_400) == "1:01"
    assert i18n.fmt_duration(3_600_000 + 5_000) == "1:00:05"


def test_the_catalogs_are_valid_for_a_translators_tools_and_list_the_same_messages() -> None:
    """The messages live in gettext catalogs a translator edits with standard tools: GNU
    msgfmt accepts the Vietnamese catalog with its checks (placeholders as in English), and
    msgcmp finds every message of the template in it and no other."""
    import subprocess

    from tests.conftest import require_program

    require_program("msgfmt")
    po = ROOT / "playout/locale/vi/LC_MESSAGES/playout.po"
    pot = ROOT / "playout/locale/playout.pot"
    for args in (["msgfmt", "--check", "-o", "/dev/null", str(po)], ["msgcmp", str(po), str(pot)]):
        done = subprocess.run(args, capture_output=True, text=True)
        assert done.returncode == 0, (args[0], done.stderr[-2000:])
    # Every message the code can show is in them, in both languages (read through the loader).
    assert len(i18n.MESSAGES) > 300 and len(i18n.LABELS) > 400
    assert i18n.t("config.missing", "vi", path="x").startswith("Không tìm thấy tệp cấu hình x; hãy chỉ ra tệp bằng --config")
    assert i18n.t("config.missing", "en", path="x").startswith("The configuration file x does not exist; name it with")


def test_the_command_line_helps_in_the_stations_language() -> None:
    """Every command's and option's help has its Vietnamese in the catalog, and `playout
    --help` speaks the station's language (Vietnamese by default, English when set)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from playout.cli import localized

    command = localized("en")
    missing = []

    def walk(cmd) -> None:  # noqa: ANN001
        for text in [cmd.help, *(getattr(p, "help", None) for p in cmd.params)]:
            if text and "vi" not in i18n.HELP.get(text, {}):
                missing.append(text)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(command)
    assert missing == []
    exe = str(Path(sys.executable).with_name("playout"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYOUT_")}
    vi = subprocess.run([exe, "skip", "--help"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert vi.returncode == 0 and "Dừng bài đang phát" in vi.stdout and "Tùy chọn" in vi.stdout, vi.stdout
    en = subprocess.run([exe, "skip", "--help"], capture_output=True, text=True,
                        env={**env, "PLAYOUT_STATION_LANGUAGE": "en"}, cwd=ROOT)  # fmt: skip
    assert en.returncode == 0 and "End the item on air now" in en.stdout and "Options" in en.stdout, en.stdout
