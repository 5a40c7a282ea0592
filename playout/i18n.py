"""Messages shown to technicians and managers, in Vietnamese (default) and English.

Messages are looked up by id so that code never builds user-facing sentences itself; a
missing translation falls back to English, and a missing id is a bug caught by the tests.
The texts themselves are in the gettext catalogs under locale/ (see below).
"""

from __future__ import annotations

from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# The messages live in gettext catalogs (playout/locale/): playout.pot lists every message
# (msgctxt: its id in the code; msgid: the English text), and each language's
# <lang>/LC_MESSAGES/playout.po gives it in that language (msgstr). A translator edits the .po
# with any gettext tool (Poedit, Lokalize, msgmerge); an untranslated message reads in
# English. A message marked "#. label" is a label (a column, a kind, an outcome): `label()`.
# To add one: add its entry to playout.pot and to every .po (tests/test_i18n.py checks that
# they list the same ids and that every id the code uses is there).
LOCALE_DIR = Path(__file__).with_name("locale")


HELP_CONTEXT = "cli.help"  # the command line's help: msgid is the English text in the code


def _load() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    from babel.messages.pofile import read_po

    messages: dict[str, dict[str, str]] = {}
    labels: dict[str, dict[str, str]] = {}
    helps: dict[str, dict[str, str]] = {}

    def entry_of(m) -> dict[str, str] | None:  # noqa: ANN001
        if m.context == HELP_CONTEXT:
            return helps.get(str(m.id))
        return messages.get(m.context or "") or labels.get(m.context or "")

    with (LOCALE_DIR / "playout.pot").open("rb") as f:
        for m in read_po(f):
            if not m.id or not m.context:
                continue
            if m.context == HELP_CONTEXT:
                helps[str(m.id)] = {"en": str(m.id)}
            else:
                (labels if "label" in m.auto_comments else messages)[m.context] = {"en": str(m.id)}
    for lang in LANGUAGES:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / "playout.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            for m in read_po(f, locale=lang):
                entry = entry_of(m)
                if entry is not None and m.string and not m.fuzzy:
                    entry[lang] = str(m.string)
    return messages, labels, helps


MESSAGES, LABELS, HELP = _load()


def help_text(english: str, lang: str) -> str:
    """A command's or an option's help in `lang` (English where the catalog lacks it)."""
    entry = HELP.get(english)
    return (entry.get(lang) if entry else None) or english


def t(msg_id: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message `msg_id` in `lang`, with its parameters filled in."""
    entry = MESSAGES.get(msg_id) or LABELS[msg_id]
    template = entry.get(lang) or entry["en"]
    return template.format(**params)


def label(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    entry = LABELS[key]
    return entry.get(lang) or entry["en"]


def fmt_duration(ms: int) -> str:
    """Milliseconds as h:mm:ss (or m:ss under an hour), the way broadcasters write durations."""
    total = (ms + 500) // 1000
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
