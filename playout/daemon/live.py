"""The live daemon: APScheduler wakes the station core at each occurrence.

APScheduler is only an alarm clock here. Jobs are planned for a rolling horizon and planned
again at midnight, on every schedule change and after a clock jump; whether an occurrence
still has to air is decided by the station core from the airing log. Schedule files are
watched: a valid edit takes effect at once, an invalid one is reported (file, line) and the
last good schedule keeps running.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError

from playout import leftovers
from playout.airlog import AiringLog
from playout.app import App
from playout.db.health import check_at_start, sqlite_path
from playout.daemon.lock import DaemonLock
from playout.errors import PlayoutError
from playout.i18n import t
from playout.model import Kind, Level
from playout.player import Player
from playout.scheduling.expand import expand
from playout.scheduling.files import load_folder
from playout.scheduling.model import ClipRef, Occurrence, Schedule
from playout.scheduling.select import plan_range
from playout.actions import ActionLog, Actor
from playout.daemon.control import ControlServer, Dispatcher, LocalControl, Route, clip_field, level_field, zones_field
from playout.daemon.control import live_id_field, live_pcm_field, live_pos_field, live_time_field
from playout.daemon.station import Station
from playout.daemon.system import give_back_free_memory, ntp_synchronized, sd_notify

log = logging.getLogger("playout.daemon")

JUMP_TOLERANCE_S = 2.0
READINESS_S = 60
NEXT_KEEP_S = 10
HEARTBEAT_S = 15.0
WATCH_S = 2.0
EXTEND_EVERY_S = 10.0
# A schedule edit that drops an occurrence due within CLOSE_S, or items of one, is adopted only
# once the files have not changed for SETTLE_S: an editor saving in place empties or cuts the
# file for a moment, and a half-written file can still be valid TOML.
CLOSE_S = 600
SETTLE_S = 5.0


class Signals:
    """Stop and reload requests that arrive as signals.

    A Python signal handler runs in the main thread between two bytecodes of whatever it was
    doing; if that code holds a lock (an Event's, inside Event.wait) and the handler takes the
    same lock, the daemon hangs for good. So a handler here only sets a plain flag, and the
    kernel-level wake-up (signal.set_wakeup_fd) writes a byte to a pipe that the main loop
    waits on. Installed at the very start of `playout run`, before the slow work of starting
    (database check, audio output), so an early SIGHUP or SIGTERM is never fatal.
    """

    _pipe: tuple[int, int] | None = None  # one per process, as the wake-up fd is

    def __init__(self) -> None:
        self.stop = False
        self.reload = False
        if Signals._pipe is None:
            Signals._pipe = os.pipe()
            for fd in Signals._pipe:
                os.set_blocking(fd, False)
        self._read, self._write = Signals._pipe

    def install(self) -> Signals:
        signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        return self

    def _on_stop(self, *_: object) -> None:
        self.stop = True

    def _on_reload(self, *_: object) -> None:
        self.reload = True

    def wait(self, timeout: float) -> None:
        """Until a signal arrives or `timeout` seconds pass."""
        if self.stop or self.reload:
            return
        select.select([self._read], [], [], timeout)
        try:
            while os.read(self._read, 512):
                pass
        except BlockingIOError:
            pass


class LiveDaemon:
    def __init__(self, app: App, player: Player | None = None) -> None:
        db_file = sqlite_path(app.db_url)
        self._lock = DaemonLock(Path(f"{db_file}.lock")) if db_file else None
        if self._lock:
            self._lock.acquire()
        try:
            self._build(app, player)
        except BaseException:
            if self._lock:
                self._lock.release()
            raise

    def _build(self, app: App, player: Player | None) -> None:
        db_file = sqlite_path(app.db_url)
        self.app = app
        self.cfg = app.config
        self.clock = app.clock
        self.tz = self.cfg.station.timezone
        self.player = player or app.player()
        self.schedule = Schedule()
        self.schedule_errors: list[str] = []
        self._files_sig: tuple = ()
        self.monotonic = time.monotonic  # for the settling of schedule edits; a test moves it
        self._held: tuple[tuple, float, list[dict[str, Any]]] | None = None  # (files, since, what it drops)
        self.schedule_changes: list[dict[str, Any]] = []  # the last change adopted, for status
        self.schedule_changed_at: datetime | None = None
        # Occurrences removed from the schedule shortly before their time: each gets a record
        # at its time unless it comes back.
        self._removed: dict[str, Occurrence] = {}
        # Before anything reads the database: is it sound? (A damaged one is salvaged.)
        self.repair = check_at_start(app.db_url, self.clock.now())
        self.station: Station = app.station(self.player, lambda: self.schedule)
        self.airlog: AiringLog = self.station.log
        self.db_file = db_file
        if db_file:  # where records go when the database cannot take them; replayed now
            self.airlog.open_journal(Path(f"{db_file}.airlog-journal"))
        self.started_at = self.clock.now()
        self.stopping = threading.Event()
        self.ready = threading.Event()
        # Occurrences with a wake-up planned, by key: their instants. One that fell due stays
        # here until it has been handled, so the watermark below cannot pass it.
        self._due: dict[str, datetime] = {}
        # How far the plan reaches, and for which schedule (None: not planned yet).
        self._planned_to: tuple[datetime, Schedule] | None = None
        self._plan_lock = threading.Lock()
        self._catching_up_from: datetime | None = None
        # Clear while a catch-up runs: a wake-up for a later occurrence waits for it, so that
        # what fell due during an outage airs first, in order.
        self._caught_up = threading.Event()
        self._caught_up.set()
        self.jumps = 0  # clock jumps seen
        self._ticks_done = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="tick", daemon=True)
        self.readiness_problems: dict[str, list[str]] = {}
        self._next_cache: tuple[float, list[tuple[datetime, dict[str, Any]]]] | None = None
        self._last_wall = self.clock.now()
        self._last_mono = time.monotonic()
        self._last_beat = 0.0
        self._last_watch = 0.0
        lead = timedelta(milliseconds=self.cfg.daemon.lead_ms)
        self.lead = lead
        # Each occurrence's wake-up holds a worker while it waits for its zones and airs;
        # occurrences for different zones air at the same time, so the pool grows with the
        # zones (two per zone: one airing, one waiting behind it) beside the periodic jobs.
        zones = len(getattr(self.player, "zones", None) or [None])
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(6 + 2 * zones)},
            # Coalesce and a grace as long as the catch-up window: a wake-up that comes late
            # still runs once, and the station core decides whether it is too late to air.
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": max(1, self.cfg.daemon.catch_up_ms // 1000)},
        )  # fmt: skip
        self.actions = ActionLog(app.db, self.clock)
        # Who is connected to each Icecast zone: a thread of its own (None: no Icecast zone).
        self.speakers = app.speaker_poller()
        # The province link (store and forward, bulletins): a separate component, None
        # (and not even imported) for a station that stands alone.
        self.province = None
        if self.cfg.province.central_url:
            from playout.province.link import province_link

            province = Actor("province", "province", self.cfg.province.central_url.split("@")[-1], "operator")
            self.province = province_link(app, status=lambda: self._status({}, province)[1],
                                          air_now=lambda clip_id, level: self.station.air_now(clip_id, level, actor="province (bulletin)").key)
        routes = {
            ("GET", "/status"): Route(self._status, operate=False, fields={}),
            ("POST", "/air-now"): Route(self._air_now, operate=True, fields={"clip": clip_field, "level": level_field,
                                                                                 "zones": zones_field}),
            ("POST", "/skip"): Route(self._skip, operate=True, fields={"zones": zones_field}),
            ("POST", "/reload"): Route(self._reload_request, operate=True, fields={}),
            # Live from the web page: start and stop are journalled; the sound itself comes
            # in-process only (bytes never come over the socket's JSON), from the speaker.
            ("POST", "/live/start"): Route(self._live_start, operate=True, fields={"level": level_field,
                                                                                    "zones": zones_field}),
            ("POST", "/live/stop"): Route(self._live_stop, operate=True, fields={"id": live_id_field}),
            ("POST", "/live/state"): Route(self._live_state, operate=False, fields={"id": live_id_field}),
            ("POST", "/live/chunk"): Route(self._live_chunk, operate=False, fields={
                "id": live_id_field, "pos": live_pos_field, "t_ms": live_time_field, "pcm": live_pcm_field}),
        }  # fmt: skip
        from playout.daemon.speech import LiveSpeech

        self.speech = LiveSpeech(self.station, app.importer, self.actions, self.tz,
                                 workdir=getattr(self.player, "workdir", None))  # fmt: skip
        dispatcher = Dispatcher(routes, self.actions)
        d = self.cfg.daemon
        try:
            self.control = ControlServer(d.control_socket, d.control_group, dispatcher)
        except OSError as exc:
            raise PlayoutError("daemon.port_busy", address=d.control_socket, detail=exc.strerror) from None
        self.web = None
        if self.cfg.web.enabled:
            from playout.web.server import WebServer

            try:
                self.web = WebServer(app, LocalControl(dispatcher))
            except PlayoutError:
                self.control.stop()  # never started: close and remove the socket
                raise

    # -- life cycle ---------------------------------------------------------------------

    def _raise_priority(self) -> None:
        """Run ahead of ordinary programs: under load, a normal-priority player starts late
        (measured: p99 about 290 ms with both cores busy, 45 ms at nice -15)."""
        want = self.cfg.daemon.nice
        try:
            current = os.getpriority(os.PRIO_PROCESS, 0)
            if want < current:
                os.setpriority(os.PRIO_PROCESS, 0, want)
        except PermissionError:
            log.warning("cannot raise the daemon's priority to nice %d (not permitted); airings may start late "
                        "when the machine is busy: set Nice=%d in the systemd unit", want, want)  # fmt: skip

    def _sweep(self) -> None:
        """Sequences a killed daemon's player rendered and never removed."""
        workdir = getattr(self.player, "workdir", None)
        if workdir is not None:
            leftovers.sweep_sequences(Path(workdir))

    def start(self) -> None:
        self._raise_priority()
        self._sweep()
        self.reload()
        since = self.airlog.last_alive()
        now = self.clock.now()
        log.info("playout starting: station %s, output %s, schedule %d slot(s)%s", self.cfg.station.name,
                 self.player.output, len(self.schedule.slots),
                 f", last alive {since.isoformat()}" if since else ", first start")  # fmt: skip
        # Settle what a crash left open before anything new can air.
        catch_up = self.station.recover(since)
        # Until catch-up is done, a crash must leave the watermark where it was.
        self._catching_up_from = catch_up
        try:
            self.airlog.heartbeat(catch_up or now, started=now)
        except OperationalError as exc:
            # Airing what cannot be recorded would air it again after a restart: only with
            # the journal ready to take the records does the daemon go on.
            if self.airlog.journal is None:
                raise PlayoutError("daemon.cannot_record", path=str(self.db_file or self.app.db_url),
                                   detail=str(exc.orig or exc).strip()) from None  # fmt: skip
            log.error("the database cannot be written (%s); airing goes on, records go to the journal",
                      str(exc.orig or exc).strip())  # fmt: skip
        self.scheduler.start()
        # What fell due while we were down: late within the catch-up window, else missed.
        if catch_up is not None:
            self._caught_up.clear()
            self.scheduler.add_job(self._catch_up, args=[catch_up], id="recover", misfire_grace_time=None)
        self._periodic_jobs()
        self.plan()
        self._ticker.start()
        if ntp_synchronized() is False:
            log.warning("the system clock is not NTP-synchronised: airings may start at the wrong time (%s)",
                        t("status.clock_hint", "en"))
        self.control.start()  # answering means ready: planned, scheduled, watching
        sd_notify("READY=1")
        self.ready.set()
        log.info("playout ready; control interface on %s", self.control.address)
        if self.web is not None:
            self.web.start()
            log.info("web page on http://%s:%d", *self.web.address)
        if self.province is not None:
            self.province.start()
        if self.speakers is not None:
            self.speakers.start()

    def _periodic_jobs(self) -> None:
        """Jobs on wall-clock time; added again after a clock jump, which leaves their next
        run where the old clock put it (hours ahead after a step back)."""
        jobs = self.scheduler.add_job
        jobs(self.plan, "cron", hour=0, minute=0, second=5, timezone=self.tz, id="midnight", replace_existing=True)
        jobs(self.carry_forward, "interval", minutes=self.cfg.daemon.replan_minutes, id="replan", replace_existing=True)
        jobs(self._sweep, "interval", minutes=30, id="sweep", replace_existing=True)
        if self.cfg.daemon.readiness_ms:
            jobs(self.check_readiness, "interval", seconds=READINESS_S, id="readiness", next_run_time=self.clock.now(),
                 replace_existing=True)  # fmt: skip

    def _tick_loop(self) -> None:
        """The one-second tick runs on monotonic time, outside APScheduler, so that it sees
        a clock jump however the wall clock moved."""
        while not self._ticks_done.wait(1.0):
            try:
                self._tick()
            except Exception:  # the tick must go on: it is the heartbeat and the watchdog
                log.exception("the one-second tick failed")

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._ticks_done.set()
        log.info("playout stopping (%s the current airing)",
                 "finishing" if self.cfg.daemon.on_stop == "finish" else "interrupting")  # fmt: skip
        self.station.stopping = True
        self.speech.close()  # a live from the page ends (and its recording is kept) first
        if self.cfg.daemon.on_stop == "interrupt":
            self.player.interrupt("interrupted: the daemon was stopped")
        self.scheduler.remove_all_jobs()
        # Finishing a long session can take half an hour: tell systemd to wait for it
        # (EXTEND_TIMEOUT_USEC) rather than kill it at TimeoutStopSec.
        while not self.station.wait_idle(timeout=0):
            sd_notify(f"EXTEND_TIMEOUT_USEC={int(EXTEND_EVERY_S * 3 * 1_000_000)}")
            self.station.wait_idle(timeout=EXTEND_EVERY_S)
        self.scheduler.shutdown(wait=True)
        self.station.wait_idle()  # a manual airing finishes (or was interrupted above) first
        self.control.stop()
        if self.web is not None:
            self.web.stop()
        if self.province is not None:
            self.province.stop()
        if self.speakers is not None:
            self.speakers.stop()
        self.airlog.heartbeat(self.watermark())
        if self.airlog.journal is not None:
            self.airlog.journal.close()  # what still waits stays in it for the next start
        self.player.close()
        if self._lock:
            self._lock.release()
        log.info("playout stopped")

    def run_forever(self, signals: Signals | None = None) -> int:
        signals = signals or Signals().install()
        self.start()
        while not signals.stop:
            signals.wait(0.5)
            if signals.reload and not signals.stop:
                signals.reload = False
                self.scheduler.add_job(self.reload, id="sighup", replace_existing=True)
        self.stop()
        return 0

    # -- schedule -----------------------------------------------------------------------

    def _signature(self) -> tuple:
        folder = self.cfg.schedules_folder
        try:
            # The folder's own identity too: a folder removed and made again empty is a change.
            here = folder.stat()
            return ((here.st_ino, here.st_mtime_ns),
                    *sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.toml")))  # fmt: skip
        except OSError:
            return ()

    def reload(self) -> bool:
        """Read the schedule files; keep the last good schedule if they have errors."""
        signature = self._files_sig = self._signature()
        try:
            result, n_files = load_folder(self.cfg.schedules_folder)
        except PlayoutError as exc:
            # The log is in English; status shows the station's language.
            self.schedule_errors = [exc.render(self.app.lang)]
            log.error("schedule not loaded: %s", exc.render("en"))
            return False
        if result.errors:
            self.schedule_errors = [f"{p.source}: {t(p.msg_id, self.app.lang, **p.params)}" for p in result.errors]
            for p in result.errors:
                log.error("schedule error, keeping the last good schedule: %s: %s", p.source,
                          t(p.msg_id, "en", **p.params))  # fmt: skip
            return False
        for p in result.warnings:
            log.warning("schedule warning: %s: %s", p.source, t(p.msg_id, "en", **p.params))
        mended, self.schedule_errors = bool(self.schedule_errors), []
        if result.schedule == self.schedule:
            self._held = None
            log.info("schedule files read: %s (%d slot(s) from %d file(s))",
                     "the errors are mended, the schedule is as before" if mended else "the schedule is unchanged",
                     len(self.schedule.slots), n_files)  # fmt: skip
            return True
        now = self.clock.now()
        drops = self._drops(self.schedule, result.schedule, now) if self.scheduler.running else []
        if drops:
            mono = self.monotonic()
            if self._held is None or self._held[0] != signature:
                self._held = (signature, mono, drops)
                log.warning("a schedule edit drops what is due soon (%s); adopted once the files are unchanged for "
                            "%.0f s", self._render(drops, "en"), SETTLE_S)  # fmt: skip
            if mono - self._held[1] < SETTLE_S:
                return True
        self._held = None
        old, self.schedule = self.schedule, result.schedule
        if self.scheduler.running:  # not the first reading at start-up
            self.schedule_changes = self._describe(old, self.schedule) + drops
            self.schedule_changed_at = now
        for d in drops:
            if d["id"] == "schedule.change.occurrence_removed":
                self._removed[d["key"]] = d["occurrence"]
        log.info("schedule loaded: %d slot(s) from %d file(s)%s", len(self.schedule.slots), n_files,
                 f"; {self._render(self.schedule_changes, 'en')}" if self.schedule_changes else "")  # fmt: skip
        if self.scheduler.running:
            self.plan()
        return True

    def _soon(self, schedule: Schedule, now: datetime) -> list[Occurrence]:
        end = now + timedelta(seconds=CLOSE_S)
        first, last = now.astimezone(self.tz).date() - timedelta(days=1), end.astimezone(self.tz).date()
        return expand(schedule, first, last, self.tz, (now - self.lead, end))

    def _drops(self, old: Schedule, new: Schedule, now: datetime) -> list[dict[str, Any]]:
        """What an edit takes away from occurrences due soon that have not aired yet."""
        before = self._soon(old, now)
        done = self.airlog.handled(o.key for o in before)
        after = {o.key: o for o in self._soon(new, now)}
        found: list[dict[str, Any]] = []
        for o in before:
            if o.key in done:
                continue
            at = o.local.strftime("%H:%M:%S")
            if o.key not in after:
                found.append({"id": "schedule.change.occurrence_removed", "params": {"slot": o.slot.id, "at": at},
                              "key": o.key, "occurrence": o})  # fmt: skip
            elif len(after[o.key].slot.items) < len(o.slot.items):
                found.append({"id": "schedule.change.items_fewer", "params": {
                    "slot": o.slot.id, "at": at, "before": len(o.slot.items), "after": len(after[o.key].slot.items)}})  # fmt: skip
        return found

    @staticmethod
    def _describe(old: Schedule, new: Schedule) -> list[dict[str, Any]]:
        before, after = {s.id: s for s in old.slots}, {s.id: s for s in new.slots}
        changes = [{"id": "schedule.change.slot_removed", "params": {"slot": k}} for k in before if k not in after]
        changes += [{"id": "schedule.change.slot_added", "params": {"slot": k}} for k in after if k not in before]
        changes += [{"id": "schedule.change.slot_changed", "params": {"slot": k}}
                    for k in after if k in before and after[k] != before[k]]  # fmt: skip
        return changes

    @staticmethod
    def _render(changes: list[dict[str, Any]], lang: str) -> str:
        return "; ".join(t(c["id"], lang, **c["params"]) for c in changes)

    def _reload_request(self, _body: dict, _actor: Actor) -> tuple[int, dict]:
        ok = self.reload()
        detail = "loaded" if ok else "kept the last good schedule: " + "; ".join(self.schedule_errors)[:400]
        return 200, {"ok": ok, "errors": self.schedule_errors, "detail": detail}

    def plan(self) -> None:
        """(Re)plan wake-ups for the horizon from the schedule and the airing log."""
        with self._plan_lock:
            self._plan()

    def _plan(self) -> None:
        self._next_cache = None
        now = self.clock.now()
        horizon = now + timedelta(hours=self.cfg.daemon.horizon_hours)
        wanted = {}
        for occ in self.station.pending(now - self.lead, horizon):
            wanted[occ.key] = occ
        removed = {k: o for k, o in list(self._removed.items()) if k not in wanted}
        for key in set(self._removed) - set(removed):  # it came back
            self._removed.pop(key, None)
        for key in set(self._due) - set(wanted) - set(removed):
            try:
                self.scheduler.remove_job(key)
            except JobLookupError:
                pass
        # A wake-up already planned for the same occurrence, still waiting, is left as it is:
        # only what is new or changed is (re)planned. (Planning every occurrence again every
        # half hour churned thousands of jobs on a busy schedule: seconds of CPU, and memory
        # the allocator kept.)
        for occ in wanted.values():
            self._wake(occ, now)
        for key, occ in removed.items():
            if self._planned(key, self._record_removed, occ):
                continue
            self.scheduler.add_job(self._record_removed, "date", run_date=max(occ.utc, now), args=[occ], id=key,
                                   replace_existing=True)  # fmt: skip
        self._due = ({k: o.utc for k, o in wanted.items()} | {k: o.utc for k, o in removed.items()}
                     | {k: t for k, t in self._due.items() if t <= now})  # fmt: skip
        self._planned_to = (horizon, self.schedule)
        log.info("planned %d airing(s) up to %s", len(wanted), horizon.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"))
        # Planning a busy schedule's two days briefly needs megabytes the daemon does not keep:
        # give them back, or the allocator holds on to each replan's peak.
        give_back_free_memory()

    def carry_forward(self) -> None:
        """The periodic replan: carry the plan forward to the moving horizon. What is planned
        stands (a schedule edit, a clock jump and midnight plan everything anew); only the
        occurrences the horizon brings in are read and planned. Planning the whole two days
        again every half hour made thousands of occurrences to keep a few dozen (on a session
        a minute: 0.6 s, and memory that grew at each of the first replans)."""
        with self._plan_lock:
            planned = self._planned_to
            if planned is None or planned[1] is not self.schedule:
                self._plan()
                return
            now = self.clock.now()
            horizon = now + timedelta(hours=self.cfg.daemon.horizon_hours)
            start = max(planned[0], now - self.lead)
            new = self.station.pending(start, horizon) if start < horizon else []
            for occ in new:
                self._wake(occ, now)
            self._due.update((o.key, o.utc) for o in new)
            self._planned_to = (max(horizon, planned[0]), self.schedule)
            log.info("carried the plan forward to %s: %d more airing(s)", horizon.astimezone(self.tz).strftime(
                "%Y-%m-%d %H:%M"), len(new))  # fmt: skip

    def _wake(self, occ: Occurrence, now: datetime) -> None:
        """A wake-up for the occurrence, unless one for this very occurrence is waiting."""
        if not self._planned(occ.key, self._air, occ):
            run_at = max(occ.utc - self.lead, now)
            self.scheduler.add_job(self._air, "date", run_date=run_at, args=[occ], id=occ.key, replace_existing=True)

    def _planned(self, key: str, func: Any, occ: Occurrence) -> bool:
        """Whether a wake-up for this very occurrence is waiting already (the job says so)."""
        job = self.scheduler.get_job(key)
        return job is not None and job.func == func and job.args == (occ,)

    def _air(self, occ) -> None:  # noqa: ANN001
        try:
            while not self._caught_up.wait(1.0):
                if self.station.stopping:
                    return
            self.station.air(occ)
        except Exception:  # contain any failure to this one airing; the daemon keeps running
            log.exception("airing %s failed unexpectedly", occ.key)
        finally:
            if not self.station.stopping:  # else it may not have aired: it holds the watermark back
                self._due.pop(occ.key, None)
            self._next_cache = None

    def _record_removed(self, occ: Occurrence) -> None:
        """An occurrence taken out of the schedule shortly before its time, and not put back:
        the log says it did not air and why."""
        try:
            reason = self.changed_before(occ)
            if self._removed.pop(occ.key, None) is not None and reason is not None:
                self.station.record_removed(occ, reason)
        except Exception:  # contain it: the daemon keeps running
            log.exception("recording the removed occurrence %s failed", occ.key)
        finally:
            if not self.station.stopping:
                self._due.pop(occ.key, None)

    def changed_before(self, occ: Occurrence) -> str | None:
        if self.schedule_changed_at is None:
            return None
        ahead = int((occ.utc - self.schedule_changed_at).total_seconds())
        return f"removed from the schedule {ahead} s before its time"

    def check_readiness(self) -> dict[str, list[str]]:
        """Check the audio of what is due soon; report each new problem once."""
        now = self.clock.now()
        found = self.station.readiness(now, now + timedelta(milliseconds=self.cfg.daemon.readiness_ms))
        for key, lines in found.items():
            if self.readiness_problems.get(key) != lines:
                for line in lines:
                    log.error("not ready to air %s: %s", key, line)
        self.readiness_problems = found
        return found

    def problems(self) -> list[dict[str, Any]]:
        """What a person must act on, as message ids with parameters (status, web page)."""
        found: list[dict[str, Any]] = []
        if self.repair:
            found.append({"id": "problem.db_salvaged", "params": {
                "detail": self.repair.detail, "airings": self.repair.airings, "copy": str(self.repair.kept)}})  # fmt: skip
        if self.airlog.backlog:
            found.append({"id": "problem.log_journal" if self.airlog.journaled else "problem.log_backlog",
                          "params": {"count": self.airlog.backlog, "error": self.airlog.write_error or "?"}})  # fmt: skip
        # The output engine's own state: a device that failed, an item the monitor did not
        # hear whole, a monitor that stopped listening.
        # Each zone's output on its own line: one zone failing is not the others'.
        for player in getattr(self.player, "zones", {None: self.player}).values():
            for pid, attr in (("problem.output_failed", "device_error"), ("problem.output_unheard", "alarm"),
                              ("problem.monitor_failed", "monitor_error"), ("problem.relay_lost", "relay_problem"),
                              ("problem.relay_silent", "relay_silent")):  # fmt: skip
                if detail := getattr(player, attr, None):
                    found.append({"id": pid, "params": {"output": player.output, "detail": detail}})
        if self.speakers is not None:
            presence = self.speakers.presence
            found += [{"id": "problem.speakers_file", "params": {"detail": p.render(self.app.lang)}}
                      for p in presence.registry_problems]  # fmt: skip
            found += [{"id": "problem.speakers_unknown", "params": {"zone": z["zone"], "detail": z["error"]}}
                      for z in presence.snapshot() if z["error"]]  # fmt: skip
        for key, lines in self.readiness_problems.items():
            found += [{"id": "problem.not_ready", "params": {"occurrence": key, "detail": line}} for line in lines]
        return found

    def _catch_up(self, since: datetime) -> None:
        self._caught_up.clear()
        try:
            self.station.catch_up_from(since)
        finally:
            if not self.station.stopping:  # a stop cuts a catch-up short: the next start goes on with it
                self._catching_up_from = None
            self._caught_up.set()

    def watermark(self) -> datetime:
        """The instant before which every due occurrence has been handled: what the log keeps
        as 'last alive', and where the next start's catch-up begins. An occurrence that fell
        due but still waits (behind a long airing, or for catch-up) holds it back, so that a
        crash cannot skip it."""
        now = self.clock.now()
        held = [t for t in list(self._due.values()) if t <= now]
        if self._catching_up_from is not None:
            held.append(self._catching_up_from)
        return min([now, *held])

    # -- the one-second tick: clock jumps, file changes, heartbeat ----------------------

    def _tick(self) -> None:
        now, mono = self.clock.now(), time.monotonic()
        expected = self._last_wall + timedelta(seconds=mono - self._last_mono)
        jump = (now - expected).total_seconds()
        self._last_wall, self._last_mono = now, mono
        if abs(jump) > JUMP_TOLERANCE_S:
            log.warning("the system clock jumped %+.1f s; re-planning", jump)
            self.jumps += 1
            self._periodic_jobs()
            if jump > 0:
                self._catching_up_from = min(expected, self._catching_up_from or expected)
                self._caught_up.clear()
                self.scheduler.add_job(self._catch_up, args=[expected], id="jump-catch-up", replace_existing=True,
                                       misfire_grace_time=None)  # fmt: skip
            self.plan()
        if mono - self._last_watch >= WATCH_S:
            self._last_watch = mono
            if self._signature() != self._files_sig:
                log.info("schedule files changed; reloading")
                self.reload()
            elif self._held is not None:  # an edit waiting to settle
                self.reload()
        if mono - self._last_beat >= HEARTBEAT_S:
            self._last_beat = mono
            self.airlog.heartbeat(self.watermark())
            sd_notify("WATCHDOG=1")

    # -- control ------------------------------------------------------------------------

    def _resolve_clip(self, value: Any) -> int:
        view = self.app.clips.view()
        text = str(value).strip()
        found = view.find(ClipRef.from_text(text))
        if not found:
            raise PlayoutError("daemon.no_clip", clip=text)
        if len(found) > 1:
            raise PlayoutError("daemon.ambiguous_clip", clip=text, ids=", ".join(f"#{c.id}" for c in found))
        if found[0].retired:
            raise PlayoutError("daemon.clip_retired", clip_id=found[0].id, title=found[0].title)
        return found[0].id

    def _air_now(self, body: dict, actor: Actor) -> tuple[int, dict]:
        level = body.get("level", Level.NORMAL)
        if "clip" not in body:
            raise PlayoutError("daemon.no_clip", clip="")
        zones = body.get("zones") or None
        row = self.station.air_now(self._resolve_clip(body["clip"]), level, actor.describe(), zones)
        self._next_cache = None  # a manual airing moves the rotation on
        # The journal says which zones, where narrowed: who sent what where.
        where = f" to {', '.join(zones)}" if zones else ""
        return 200, {"key": row.key, "clip_id": row.clip_id, "title": row.title, "level": level.value,
                     "detail": f"#{row.clip_id} {row.title} ({level.value}){where}"}  # fmt: skip

    def _live_start(self, body: dict, actor: Actor) -> tuple[int, dict]:
        return 200, self.speech.start(actor, body.get("level", Level.NORMAL), body.get("zones") or None)

    def _live_chunk(self, body: dict, actor: Actor) -> tuple[int, dict]:
        if not actor.may_operate():
            raise PlayoutError("live.not_yours")
        return 200, self.speech.chunk(body.get("id", ""), actor, body.get("pos", 0), body.get("t_ms", 0.0),
                                      body.get("pcm", b""))  # fmt: skip

    def _live_state(self, body: dict, actor: Actor) -> tuple[int, dict]:
        return 200, self.speech.state_of(body.get("id", ""), actor)

    def _live_stop(self, body: dict, actor: Actor) -> tuple[int, dict]:
        return 200, self.speech.stop(body.get("id", ""), actor)

    def _skip(self, body: dict, actor: Actor) -> tuple[int, dict]:
        zones = body.get("zones") or None
        playing = [p for z, p in self.station.zones.items() if zones is None or z in zones]
        label = next((n.label for p in playing if (n := p.now_playing()) is not None), None)
        skipped = self.station.skip(actor.describe(), zones)
        # The journal says which zones, where narrowed.
        where = f" in {', '.join(zones)}" if zones else ""
        return 200, {"skipped": skipped, "detail": (label or "") + where if skipped else "nothing playing" + where}

    def _next(self, now: datetime) -> list[dict[str, Any]]:
        """The next five occurrences with what they will play. The web page asks for status
        every second; this reads the library and the history, so it is kept until an airing
        ends, the plan changes or NEXT_KEEP_S pass (an import shows within that)."""
        kept = self._next_cache
        if kept is not None and time.monotonic() - kept[0] < NEXT_KEEP_S and (not kept[1] or kept[1][0][0] > now):
            return [entry for _, entry in kept[1]]
        # The next hour is usually enough; a week and a day at most (a weekly schedule's gap).
        for ahead in (timedelta(hours=1), timedelta(days=1), timedelta(days=8)):
            upcoming = self.station.pending(now, now + ahead)[:5]
            if len(upcoming) == 5:
                break
        plans = plan_range(upcoming, self.schedule, self.app.clips.view(), self.airlog.history())
        entries = [(p.occurrence.utc, {"start": p.occurrence.local.isoformat(), "slot": p.occurrence.slot.id,
                                       "items": [i.clip.title for i in p.items]}) for p in plans]  # fmt: skip
        self._next_cache = (time.monotonic(), entries)
        return [entry for _, entry in entries]

    def _speakers(self) -> list[dict[str, Any]]:
        """Each Icecast zone's speakers, online or offline since when (station-local times)."""
        if self.speakers is None:
            return []
        zones = self.speakers.presence.snapshot()
        for z in zones:
            z["polled_at"] = self._local_iso(z["polled_at"])
            for sp in z["speakers"]:
                sp["since"] = self._local_iso(sp["since"])
        return zones

    def _local_iso(self, iso: str | None) -> str | None:
        return datetime.fromisoformat(iso).astimezone(self.tz).isoformat() if iso else None

    def _on_air(self) -> list[dict[str, Any]]:
        """What airs now that is not a clip: a relay with its source's state (connected,
        dropped since when, or connected and silent since when), a live with who speaks; by
        zone."""
        found: list[dict[str, Any]] = []
        for row in self.station.on_air():
            if row.kind == Kind.RELAY.value:
                player = self.station.zones.get(row.zone) or self.player
                feeds = getattr(player, "relays", [])
                feed = feeds[0] if feeds else {}
                lost, silent = feed.get("lost_since"), feed.get("silent_since")
                state = ("lost" if lost else "silent" if silent else "connected" if feed.get("state") == "on"
                         else "connecting")  # fmt: skip
                found.append({"kind": "relay", "title": row.title, "zone": row.zone, "source": feed.get("source"),
                              "state": state, "lost_since": self._local_iso(lost),
                              "silent_since": self._local_iso(silent) if not lost else None})  # fmt: skip
            elif row.slot == "live":
                talk = getattr(self.speech, "talk", None)
                who = talk.actor.name if talk is not None else (row.actor or "").split(" (")[0]
                found.append({"kind": "live", "title": row.title, "zone": row.zone, "speaker": who,
                              "level": row.level})  # fmt: skip
        return found

    def _status(self, _body: dict, _actor: Actor) -> tuple[int, dict]:
        now = self.clock.now()
        playing = self.player.now_playing()
        return 200, {
            "station": self.cfg.station.name,
            "now": now.astimezone(self.tz).isoformat(),
            "started_at": self.started_at.astimezone(self.tz).isoformat(),
            "output": self.player.output,
            "zones": self.player.status() if hasattr(self.player, "status") else [],
            "speakers": self._speakers(),
            "ntp_synchronized": ntp_synchronized(),
            "schedule": {"slots": len(self.schedule.slots), "errors": self.schedule_errors,
                         "held": self._render(self._held[2], self.app.lang) if self._held else None,
                         "settle_s": SETTLE_S,
                         "changed_at": self.schedule_changed_at.astimezone(self.tz).isoformat()
                         if self.schedule_changed_at else None,
                         "changes": self._render(self.schedule_changes, self.app.lang)},
            "problems": self.problems(),
            "now_playing": None if playing is None else {
                "title": playing.label, "position_ms": playing.position_ms, "duration_ms": playing.duration_ms},
            "on_air": self._on_air(),
            "next": self._next(now),
            "last": [{"scheduled": r.scheduled_at.astimezone(self.tz).isoformat(),
                      "started": r.started_at.astimezone(self.tz).isoformat() if r.started_at else None,
                      "slot": r.slot, "title": r.title, "outcome": r.outcome, "reason": r.reason,
                      "manual": r.manual, "actor": r.actor, "zone": r.zone, "speakers_heard": r.speakers_heard,
                      "speakers_total": r.speakers_total} for r in self.airlog.recent(5)],
        }  # fmt: skip


def configure_logging() -> None:
    """One line per decision on stderr; journald adds the time stamps."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


