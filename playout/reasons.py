"""Log reasons and journal outcomes in the reader's language.

The daemon, the output and older databases store a row's reason as English text ("skipped by
the technician", "at air time: audio file does not decode: … (ffmpeg's words)"). A reader of the
Vietnamese page or export must not see that English, and a database written by an older version
must read the same: so reasons are turned back into a message id and its parameters when they
are shown, by recognising the English each place writes. A technical detail from a tool
(ffmpeg, PulseAudio, the operating system) is not a parameter: it stays in the English text
and the daemon's log, and the reader sees what happened in their language. Text that is not
recognised is shown as it is (nothing is lost).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache

from playout.i18n import MESSAGES, label, t

_ANY = r"(?P<{0}>.+?)"


def _pattern(english: str) -> re.Pattern[str]:
    """A message's English template as a pattern that reads its parameters back."""
    out, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(english):
        out.append(re.escape(literal))
        if field:
            out.append(f"(?P={field})" if field in seen else _ANY.format(field))
            seen.add(field)
    return re.compile("".join(out), re.DOTALL)


def _relay_parts(text: str, lang: str) -> str:
    """ "at 0:10 for 3 s, at 1:02 for 5 s": where in a relay each dropout began, how long."""
    return ", ".join(t("reason.relay_part", lang, at=m.group(1), seconds=m.group(2))
                     for m in re.finditer(r"at (\d+:\d\d) for (\d+) s", text))  # fmt: skip


# What the daemon, the output and the library write, as (English pattern, message id). A named
# group becomes a parameter; `detail` groups (a tool's own words) are matched and left out.
_WRITTEN: list[tuple[str, str]] = [
    (r"skipped by the technician", "reason.skipped"),
    (r"interrupted by an emergency announcement", "reason.emergency"),
    (r"interrupted by an emergency live announcement", "reason.emergency_live"),
    (r"skipped for a priority announcement", "reason.priority"),
    (r"skipped for a priority live announcement", "reason.priority_live"),
    (r"interrupted: the daemon was stopped|the daemon was stopped|daemon stopped during the airing",
     "reason.stopped_during"),
    (r"daemon stopped before this item", "reason.stopped_before"),
    (r"stopped before it aired", "reason.live_stopped_before"),
    (r"this output cannot air live sound", "reason.no_live_output"),
    (r"nothing to play on this date", "reason.nothing_to_play"),
    (r"none of its zones is a zone of this station", "reason.no_zone"),
    (r"due while the daemon was not airing; (?P<seconds>-?\d+) s late", "reason.missed"),
    (r"removed from the schedule (?P<seconds>-?\d+) s before its time", "reason.removed"),
    (r"the output ran dry for (?P<ms>\d+) ms \(underrun\)", "reason.underrun"),
    (r"the output failed: (?P<detail>.*)", "reason.output_failed"),
    (r"cannot open the relay feed: (?P<detail>.*)", "reason.relay_unreachable"),
    (r"cannot read the rendered audio: (?P<detail>.*)", "reason.render_unreadable"),
    (r"cannot decode: (?P<detail>.*)", "reason.cannot_decode"),
    (r"the page stopped sending \((?P<seconds>[\d.]+) s without sound from it\)", "reason.page_silent"),
    (r"at air time: the relay is no longer in the schedule", "reason.relay_removed"),
    (r"at air time: (?P<problem>.+)", "reason.at_air_time"),
    (r"clip #(?P<clip_id>\d+) is not in the library", "reason.clip_gone"),
    (r"audio file missing: (?P<path>.+)", "reason.file_missing"),
    (r"audio file unreadable: (?P<path>.+?) \((?P<detail>.*)\)", "reason.file_unreadable"),
    (r"audio file changed since import \(hash differs\): (?P<path>.+)", "reason.file_changed"),
    (r"audio file does not decode: (?P<path>.+?) \((?P<detail>.*)\)", "reason.file_undecodable"),
    (r"fallback for (?P<title>.*)", "reason.fallback"),
    (r"the source (?P<source>.+?) never came: (?P<seconds>\d+) s of silence aired", "reason.relay_never"),
    (r"the source (?P<source>.+?) dropped out (?P<count>\d+) times? \((?P<parts>.*)\); (?P<aired>\d+) of "
     r"(?P<length>\d+) s relayed", "reason.relay_dropouts"),
    # The output's monitor (confidence monitoring).
    (r"not verified: (?P<detail>.*)", "reason.not_verified"),
    (r"not heard at the output", "reason.not_heard"),
    (r"heard with (?P<ms>\d+) ms of silence where there should be sound(?P<detail> \(.*\))?", "reason.silence_heard"),
    # The journal of manual actions.
    (r"ok", "reason.ok"),
    (r"already retired", "reason.already_retired"),
    (r"already active", "reason.already_active"),
    (r"imported", "reason.imported"),
    (r"duplicate", "reason.duplicate"),
    (r"ended: the page stopped sending", "reason.page_stopped"),
    # A province bulletin's state after a technician's decision.
    (r"scheduled", "bulletin.state.scheduled"),
    (r"rejected", "bulletin.state.rejected"),
    (r"aired", "bulletin.state.aired"),
    (r"expired", "bulletin.state.expired"),
    (r"refused: (?P<problem>.+)", "reason.refused"),
    (r"failed: (?P<problem>.+)", "reason.failed"),
]
_COMPILED = [(re.compile(p, re.DOTALL), msg_id) for p, msg_id in _WRITTEN]
# The journal's one-word outcomes, which read differently in English too ("ok" is "done").
_JOURNAL_WORDS = {"ok", "already retired", "already active", "imported", "duplicate", "scheduled", "rejected", "aired",
                  "expired"}
# Parameters that are themselves a reason, or need their own words.
_NESTED: dict[str, Callable[[str, str], str]] = {"problem": lambda text, lang: render(text, lang),
                                                 "parts": _relay_parts}  # fmt: skip


@lru_cache(maxsize=1)
def _messages() -> list[tuple[re.Pattern[str], str]]:
    """Every message with enough words of its own to be recognised (the schedule's reasons
    for dropping an item are stored as their English text, an import's refusal too)."""
    found = []
    for msg_id, entry in MESSAGES.items():
        literal = "".join(lit for lit, _, _, _ in string.Formatter().parse(entry["en"]))
        if msg_id.startswith("reason.") or len(literal.strip()) < 12:
            continue
        found.append((_pattern(entry["en"]), msg_id))
    return found


@lru_cache(maxsize=4096)
def render(text: str | None, lang: str) -> str:
    """A stored reason (or journal outcome) as the reader of `lang` reads it."""
    if not text:
        return ""
    if lang == "en" and text not in _JOURNAL_WORDS and not text.startswith(("failed", "refused")):
        return text  # stored in English already: the whole of it, tools' details included
    for pattern, msg_id in _COMPILED:
        if m := pattern.fullmatch(text):
            params = {k: _NESTED[k](v, lang) if k in _NESTED else v for k, v in m.groupdict().items() if k != "detail"}
            return t(msg_id, lang, **params)
    for pattern, msg_id in _messages():
        if m := pattern.fullmatch(text):
            return t(msg_id, lang, **m.groupdict())
    if "; " in text:  # two reasons joined (a relay's own reason, then its dropouts)
        parts = text.split("; ")
        for cut in range(1, len(parts)):
            head, tail = "; ".join(parts[:cut]), "; ".join(parts[cut:])
            first, rest = render(head, lang), render(tail, lang)
            if first != head or rest != tail:
                return f"{first}; {rest}"
    return text


# Slots that are not in any schedule file: what was aired by hand, and live speech.
SPECIAL_SLOTS = {"manual": "web.slot_manual", "live": "web.slot_live"}


def slot_name(slot: str | None, lang: str, names: dict[str, str]) -> str:
    """A slot as the log's reader knows it: its name in the schedule files (`names`, id ->
    name), "aired by hand" or "live" in the reader's language, else its id."""
    if not slot:
        return ""
    if slot in SPECIAL_SLOTS:
        return label(SPECIAL_SLOTS[slot], lang)
    return names.get(slot, slot)
