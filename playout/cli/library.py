"""Technician commands for the clip library: import, list, show, retire."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from playout.actions import ActionLog, command_line_actor
from playout.cli.common import ConfigOption, err, handles_errors, load_app, out, parse_date
from playout.db.models import Clip
from playout.errors import UsageError
from playout.i18n import fmt_duration, label, t
from playout.library.importer import FileResult, ImportRequest, Status, expand_paths
from playout.model import CLIP_KINDS, Kind

clips_app = typer.Typer(help="List, show and retire clips in the library.", no_args_is_help=True)

KIND_CHOICES = ", ".join(k.value for k in CLIP_KINDS)


def parse_kind(value: str | None) -> Kind | None:
    if value is None:
        return None
    try:
        kind = Kind(value.strip().lower())
        if kind not in CLIP_KINDS:
            raise ValueError(kind)
        return kind
    except ValueError:
        raise UsageError("cli.bad_kind", value=value, choices=KIND_CHOICES) from None


@handles_errors
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Audio files or folders (searched recursively).")],
    kind: Annotated[str, typer.Option("--kind", "-k", help=f"One of: {KIND_CHOICES}.")],
    program: Annotated[
        str | None, typer.Option("--program", "--programme", "-p", help="Programme name, e.g. CCHC.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the title tag, then the file name).")] = None,
    episode_date: Annotated[str | None, typer.Option(help="Episode date YYYY-MM-DD (segments).")] = None,
    valid_from: Annotated[str | None, typer.Option(help="First date the clip may air.")] = None,
    valid_until: Annotated[str | None, typer.Option(help="Last date the clip may air.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag for rotation pools (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and measure; change nothing.")] = False,
    config: ConfigOption = None,
) -> None:
    """Import audio files into the library: measure, normalise, trim, store, register."""
    app = load_app(config)
    lang = app.lang
    request = ImportRequest(
        kind=parse_kind(kind),  # type: ignore[arg-type]
        programme=program,
        title=title,
        episode_date=parse_date(episode_date, "--episode-date"),
        valid_from=parse_date(valid_from, "--valid-from"),
        valid_until=parse_date(valid_until, "--valid-until"),
        tags=tuple(tag or ()),
        dry_run=dry_run,
    )
    if request.valid_from and request.valid_until and request.valid_from > request.valid_until:
        raise UsageError("cli.bad_window", valid_from=request.valid_from, valid_until=request.valid_until)
    files = list(expand_paths(paths))
    if not files:
        raise UsageError("cli.no_paths", paths=", ".join(map(str, paths)))
    importer = app.importer()

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(t("import.progress", lang), total=len(files))

        journal, actor = ActionLog(app.db, app.clock), command_line_actor()

        def on_result(result: FileResult) -> None:
            line = result.message(lang)
            if not dry_run:
                journal.record(actor, "import", f"{result.source}" + (f" -> #{result.clip.id}" if result.clip else ""),
                               "failed: " + result.message("en") if result.status == Status.FAILED
                               else result.status.value)  # fmt: skip
            progress.console.print(("✗ " if result.status == Status.FAILED else "✓ ") + line, markup=False)
            progress.advance(task)

        report = importer.run(files, request, on_result)

    summary_id = "import.summary_dry" if dry_run else "import.summary"
    imported = report.count(Status.WOULD_IMPORT if dry_run else Status.IMPORTED)
    out.print(
        t(summary_id, lang, imported=imported, duplicates=report.count(Status.DUPLICATE), failed=len(report.failed)),
        markup=False,
    )
    for failure in report.failed:
        assert failure.error is not None
        out.print("  ✗ " + failure.error.render(lang), markup=False)
    if report.failed:
        raise typer.Exit(1)


def _clip_dict(clip: Clip) -> dict:
    data = clip.model_dump()
    for key, value in data.items():
        if isinstance(value, datetime | date):
            data[key] = value.isoformat()
    data["tags"] = clip.tag_list
    return data


def _validity(clip: Clip) -> str:
    if not clip.valid_from and not clip.valid_until:
        return ""
    return f"{clip.valid_from or '…'} → {clip.valid_until or '…'}"


@clips_app.command("list")
@handles_errors
def list_command(
    kind: Annotated[str | None, typer.Option(help=f"Only this kind: {KIND_CHOICES}.")] = None,
    program: Annotated[str | None, typer.Option("--program", "--programme", help="Only this programme.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    config: ConfigOption = None,
) -> None:
    """List the clips in the library with duration and loudness."""
    app = load_app(config)
    lang = app.lang
    k = parse_kind(kind)
    clips = app.clips.list(kind=k.value if k else None, programme=program)
    if as_json:
        out.print_json(json.dumps([_clip_dict(c) for c in clips], ensure_ascii=False))
        return
    if not clips:
        out.print(t("clips.none_match" if k or program else "clips.empty", lang))
        return
    table = Table(show_lines=False)
    for col, justify in [
        ("col.id", "right"), ("col.title", "left"), ("col.kind", "left"), ("col.programme", "left"),
        ("col.episode_date", "left"), ("col.duration", "right"), ("col.loudness", "right"),
        ("col.valid", "left"), ("col.status", "left"),
    ]:  # fmt: skip
        table.add_column(label(col, lang), justify=justify)  # type: ignore[arg-type]
    for c in clips:
        table.add_row(
            str(c.id),
            c.title,
            label(f"kind.{c.kind}", lang),
            c.programme or "",
            str(c.episode_date or ""),
            fmt_duration(c.duration_ms),
            f"{c.loudness_after_lufs:.1f}",
            _validity(c),
            label("status.retired" if c.retired else "status.active", lang),
        )
    out.print(table)


@clips_app.command("show")
@handles_errors
def show_command(
    clip_id: Annotated[int, typer.Argument(help="Clip number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show everything the library knows about one clip."""
    app = load_app(config)
    lang = app.lang
    c = app.clips.get(clip_id)
    if as_json:
        out.print_json(json.dumps(_clip_dict(c), ensure_ascii=False))
        return
    tz = app.config.station.timezone
    rows = [
        ("col.id", str(c.id)),
        ("col.title", c.title),
        ("col.kind", label(f"kind.{c.kind}", lang)),
        ("col.programme", c.programme or ""),
        ("col.episode_date", str(c.episode_date or "")),
        ("field.valid_from", str(c.valid_from or "")),
        ("field.valid_until", str(c.valid_until or "")),
        ("field.tags", ", ".join(c.tag_list)),
        ("col.duration", f"{fmt_duration(c.duration_ms)} ({c.duration_ms} ms)"),
        ("field.loudness_before", f"{c.loudness_before_lufs:.1f} LUFS"),
        ("field.loudness_after", f"{c.loudness_after_lufs:.1f} LUFS"),
        ("field.true_peak", f"{c.true_peak_before_dbtp:.1f} → {c.true_peak_after_dbtp:.1f} dBTP"),
        ("field.sample_rate", f"{c.sample_rate} Hz"),
        ("field.channels", str(c.channels)),
        ("field.content_hash", c.content_hash),
        ("field.original_name", c.original_name),
        ("field.path", str(app.config.library.folder / c.path)),
        ("field.imported_at", c.imported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("col.status", label("status.retired" if c.retired else "status.active", lang)),
    ]
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(label(key, lang), value)
    out.print(table)


@clips_app.command("retire")
@handles_errors
def retire_command(
    clip_id: Annotated[int, typer.Argument(help="Clip number.")],
    config: ConfigOption = None,
) -> None:
    """Never air this clip again. It stays in the library and in the airing history."""
    app = load_app(config)
    clip, changed = app.clips.retire(clip_id)
    ActionLog(app.db, app.clock).record(command_line_actor(), "retire", f"#{clip.id} {clip.title}",
                                        "ok" if changed else "already retired")  # fmt: skip
    msg = "clips.retired" if changed else "clips.already_retired"
    out.print(t(msg, app.lang, clip_id=clip.id, title=clip.title), markup=False)
