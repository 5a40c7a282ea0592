"""What every command shares: the --config option, date parsing, and turning errors into one
clear sentence and an exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from playout import app as app_mod
from playout.errors import PlayoutError, UsageError
from playout.i18n import DEFAULT_LANGUAGE, LANGUAGES
from playout.model import FIRST_DAY, LAST_DAY

ForceOption = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (default: $PLAYOUT_CONFIG, then ./playout.toml).",
        show_default=False,
    ),
]

# Piped output (a log, a file, a test) gets wide tables instead of rich's 80 columns, so
# Vietnamese titles are not cut into fragments.
_PIPE_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200
out = Console(highlight=False, soft_wrap=True, width=_PIPE_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_PIPE_WIDTH)

F = TypeVar("F", bound=Callable[..., Any])


def fallback_language() -> str:
    """The language for errors raised before the configuration is read."""
    lang = os.environ.get("PLAYOUT_STATION_LANGUAGE", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


class Context:
    """Carries the language once the configuration is known, for error messages."""

    lang = fallback_language()


def load_app(config: Path | None) -> app_mod.App:
    app = app_mod.build(config)
    Context.lang = app.lang
    return app


def handles_errors(fn: F) -> F:
    """Turn a PlayoutError into one sentence on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            _check_text(kwargs.values())
            return fn(*args, **kwargs)
        except PlayoutError as exc:
            err.print(exc.render(Context.lang), markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _check_text(values: Iterable[Any]) -> None:
    """Refuse an argument that is not text: bytes that are not UTF-8 (a terminal set to another
    encoding, such as TCVN3 or VNI) reach Python as lone surrogates, which no database or file
    can store. File paths may hold such bytes and are left alone."""
    for value in values:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    shown = text.encode("utf-8", "backslashreplace").decode()
                    raise UsageError("cli.not_text", value=shown) from None


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError("cli.bad_date", option=option, value=value) from None
    check_day(day, option, value)
    return day


def check_day(day: date, option: str, value: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError("cli.date_out_of_range", option=option, value=value, first=FIRST_DAY, last=LAST_DAY)


def is_tty() -> bool:
    return sys.stderr.isatty()
