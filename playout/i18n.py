"""Messages shown to technicians and managers, in Vietnamese (default) and English.

Messages are looked up by id so that code never builds user-facing sentences itself; a
missing translation falls back to English, and a missing id is a bug caught by the tests.
The texts themselves are in the gettext catalogs under locale/ (see below).
"""

from __future__ import annotations

import re

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


class Said(str):
    """A parameter that is itself a message: its English wherever it is used as text (a log,
    JSON), the reader's language inside a message `t` fills in."""

    msg_id: str
    params: dict[str, object]

    def __new__(cls, msg_id: str, **params: object) -> Said:
        said = super().__new__(cls, t(msg_id, "en", **params))
        said.msg_id, said.params = msg_id, params
        return said


def t(msg_id: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message `msg_id` in `lang`, with its parameters filled in."""
    entry = MESSAGES.get(msg_id) or LABELS[msg_id]
    template = entry.get(lang) or entry["en"]
    return template.format(**{k: t(v.msg_id, lang, **v.params) if isinstance(v, Said) else v
                              for k, v in params.items()})  # fmt: skip


# What Python's TOML reader says of a broken file (its English, without the position, which
# the caller reports as line and column) -> the message that says it in the reader's language.
TOML_REASONS = {
    "Cannot overwrite a value": "toml.overwrite",
    "Escaped character is not a Unicode scalar value": "toml.bad_escape",
    "Expected '=' after a key in a key/value pair": "toml.expected_equals",
    "Expected ']' at the end of a table declaration": "toml.expected_bracket",
    "Expected ']]' at the end of an array declaration": "toml.expected_brackets",
    "Expected newline or end of document after a statement": "toml.expected_newline",
    "Invalid date or datetime": "toml.bad_date",
    "Invalid hex value": "toml.bad_hex",
    "Invalid initial character for a key part": "toml.bad_key",
    "Invalid statement": "toml.bad_statement",
    "Invalid value": "toml.bad_value",
    "Unclosed array": "toml.unclosed_array",
    "Unclosed inline table": "toml.unclosed_table",
    "Unescaped '\\' in a string": "toml.unescaped_backslash",
    "Unterminated string": "toml.unterminated_string",
}


# The reasons that name what they found: (pattern, message, its parameter).
TOML_NAMING = [
    (r"Illegal character (?P<what>.+)", "toml.illegal_char"),
    (r"Found invalid character (?P<what>.+)", "toml.illegal_char"),
    (r"Cannot declare (?P<what>.+) twice", "toml.declared_twice"),
    (r"Duplicate inline table key (?P<what>.+)", "toml.declared_twice"),
    (r"Cannot (?:mutate immutable|redefine) namespace (?P<what>.+)", "toml.redefined"),
]


def toml_error(message: str) -> tuple[str, int | None, int | None]:
    """A TOML reader's error split into its reason (a `Said` where we have words for it), and
    the line and column it names (None where it names none, as "at end of document")."""
    m = re.fullmatch(r"(.*?)\s*\(at (?:line (\d+), column (\d+)|end of document)\)", message, re.DOTALL)
    if m is None:
        return toml_reason(message), None, None
    return toml_reason(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None


def toml_reason(detail: str) -> str:
    """A TOML reader's reason as a `Said` where it is one we have words for, else as it is."""
    detail = detail.strip()
    if msg_id := TOML_REASONS.get(detail):
        return Said(msg_id)
    for pattern, msg_id in TOML_NAMING:
        if m := re.fullmatch(pattern, detail):
            return Said(msg_id, what=m["what"])
    return detail


def label(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    entry = LABELS[key]
    return entry.get(lang) or entry["en"]


def fmt_duration(ms: int) -> str:
    """Milliseconds as h:mm:ss (or m:ss under an hour), the way broadcasters write durations."""
    total = (ms + 500) // 1000
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
