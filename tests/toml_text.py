"""For the tests that fuzz TOML readers (the schedule parser, the configuration loader):
generated values written as TOML text (the standard library reads TOML but does not write
it), and mutations of real files."""

from __future__ import annotations

import json
import math
from datetime import date, time

from hypothesis import strategies as st


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else "inf" if value == math.inf else "-inf" if value == -math.inf else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def toml_key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted one."""
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


@st.composite
def mutations(draw: st.DrawFn, original: bytes, inserts: list[bytes]) -> bytes:
    """`original` after one to four edits: a span deleted, bytes inserted (one of `inserts` or
    random ones), a line repeated, a bit flipped, or the end cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate_line", "flip", "truncate"]))
        if op == "delete" and data:
            i = draw(st.integers(0, len(data) - 1))
            del data[i : draw(st.integers(i + 1, min(len(data), i + 200)))]
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.sampled_from(inserts) | st.binary(min_size=1, max_size=16))
        elif op == "duplicate_line":
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines.insert(k, lines[k])
            data = bytearray(b"\n".join(lines))
        elif op == "flip" and data:
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[draw(st.integers(0, len(data))) :]
    return bytes(data)
