"""The debug log of one sync run: ``run.jsonl``, ``run.log``, ``results.csv`` and ``summary.json``.

Everything is redacted *before* it is written, with the process-wide redactor (registered secrets and
token-shaped values: bearer headers, ``access_token`` fields, Salesforce session ids, JWTs …) to which
the run adds its own known secrets (the Zuora client secret, the Salesforce password and tokens the run
logged in with, raw and JSON-encoded).

Writing happens on the run log's own thread: the executor's threads only queue an event (a bounded
queue, so a run cannot outpace its log without limit) and go on. The files are flushed to the operating
system within :data:`FLUSH_INTERVAL_S` and at least every :data:`FLUSH_EVERY` lines, so a run that is
killed leaves logs whose every complete line is readable (losing at most that last tenth of a second);
:meth:`RunLog.flush` waits until everything queued so far is written.

``run.jsonl`` holds one JSON object per line: ``ts`` (UTC), ``t`` (seconds since the run opened),
``kind`` (``run_started``, ``soql``, ``exchange``, ``result``, ``log``, ``run_finished`` or the
executor's own kinds: ``decision``, ``retry`` …), ``level``, ``message``, ``thread`` and the event's
fields. ``run.log`` is the same for people: one line per event, bodies and other structured fields on
indented lines under it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlencode

from cpq_desktop.core.redaction import Redactor, default_redactor
from cpq_desktop.core.runlog.folders import (
    JSONL_NAME,
    RESULTS_CSV_NAME,
    SUMMARY_FORMAT,
    SUMMARY_NAME,
    TEXT_LOG_NAME,
    is_valid_run_id,
    runs_root,
)
from cpq_desktop.core.runlog.liveness import this_host
from cpq_desktop.core.runlog.results_csv import ENCODING, ResultsCsvWriter
from cpq_desktop.core.sync.results import RecordResult, RecordStatus, RunStatus, RunSummary, utc_now
from cpq_desktop.core.zuora.client import Exchange

_log = logging.getLogger(__name__)

# An event bigger than this (as JSON text) has its big fields cut, so one huge listing cannot swamp the log.
MAX_LINE_CHARS = 2_000_000
MAX_FIELD_CHARS = 200_000
# Events queued before writers wait for the log thread to catch up.
QUEUE_LIMIT = 5_000
# Lines reach the operating system (and survive a killed process) within this time, or this many lines.
FLUSH_INTERVAL_S = 0.1
FLUSH_EVERY = 200
# Strings JSON escapes: a secret inside one would not be found in the encoded line, so they are redacted first.
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')


class RunLogError(Exception):
    """The run's log folder cannot be created; ``str()`` says where and what to do."""


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


def _try_compact(value: Any) -> str | None:
    try:
        return _compact(value)
    except (TypeError, ValueError):
        # keys JSON cannot hold, or a structure that contains itself: the slow path copies it first
        return None


def _try_fields(record: dict[str, Any]) -> dict[str, str] | None:
    """Each field's compact JSON text (joined, they are the record's JSON line); None when one cannot be
    encoded as it is."""
    if not all(isinstance(key, str) for key in record):
        return None
    try:
        return {key: _compact(value) for key, value in record.items()}
    except (TypeError, ValueError):
        return None


_Item = tuple[str, Any]


class RunLog:
    """The debug log of one run. Thread-safe: the executor's workers call it concurrently.

    Open it with :meth:`open`; close it with :meth:`close` (a summary) or :meth:`abort` (an error).
    As a context manager, an exception that escapes the block aborts the run log with that error, and a
    block left without :meth:`close` or :meth:`abort` closes it as interrupted.
    Values passed in (bodies, fields) are written later, on the log's thread: don't change them after.
    """

    def __init__(
        self,
        folder: Path,
        *,
        run_id: str,
        profile: str,
        scope: str,
        dry_run: bool,
        started_at: datetime,
        retry_of: str | None,
        secrets: Iterable[str | None],
        redactor: Redactor,
    ) -> None:
        self.folder = folder
        self.run_id = run_id
        self.profile = profile
        self.scope = scope
        self.dry_run = dry_run
        self.started_at = started_at
        self.retry_of = retry_of
        self._redactor = redactor
        for secret in secrets:
            self.add_secret(secret)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._closed = False
        self._broken: OSError | None = None
        self._unflushed = 0
        self._flushed_at = time.monotonic()
        self._jsonl: IO[str] = (folder / JSONL_NAME).open("w", encoding="utf-8", newline="\n")
        self._text: IO[str] = (folder / TEXT_LOG_NAME).open("w", encoding="utf-8", newline="\n")
        self._csv_stream: IO[str] = (folder / RESULTS_CSV_NAME).open("w", encoding=ENCODING, newline="")
        self._csv = ResultsCsvWriter(self._csv_stream, self.redact)
        self._handler: RunLogHandler | None = None
        self._queue: queue.Queue[_Item] = queue.Queue(QUEUE_LIMIT)
        self._writer = threading.Thread(target=self._write_queued, name=f"run-log-{run_id}", daemon=True)
        self._writer.start()
        # A process that ends without closing the run (an uncaught error) still writes what it queued.
        atexit.register(self.flush)

    # -- opening and closing --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        run_id: str,
        *,
        profile: str,
        scope: str,
        dry_run: bool = False,
        started_at: datetime | None = None,
        retry_of: str | None = None,
        secrets: Iterable[str | None] = (),
        log_root: Path | None = None,
        redactor: Redactor | None = None,
        capture_logging: bool = True,
        logging_level: int = logging.INFO,
    ) -> RunLog:
        """Create the run's folder and files and write the opening lines.

        ``secrets`` are the values this run must never write (passwords, client secret, tokens), on top
        of everything the process-wide redactor masks. With ``capture_logging``, records logged through
        Python logging while the run is open land in its log too: the app's own from DEBUG up, other
        libraries' from ``logging_level`` up (see :class:`RunLogHandler`).
        """
        if not is_valid_run_id(run_id):
            raise RunLogError(f"{run_id!r} cannot be a run id: use letters, digits, '.', '-' and '_' only")
        root = runs_root(log_root)
        folder = root / run_id
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            raise RunLogError(f"a run log {run_id!r} already exists in {root}; each run needs a new id") from None
        except OSError as exc:
            raise RunLogError(
                f"cannot create the run's log folder {folder}: {exc.strerror or exc}. "
                "Check that the log folder is writable and the disk is not full."
            ) from None
        try:
            run_log = cls(
                folder,
                run_id=run_id,
                profile=profile,
                scope=scope,
                dry_run=dry_run,
                started_at=started_at or utc_now(),
                retry_of=retry_of,
                secrets=secrets,
                redactor=redactor if redactor is not None else default_redactor,
            )
        except OSError as exc:
            raise RunLogError(
                f"cannot create the run's log files in {folder}: {exc.strerror or exc}. "
                "Check that the log folder is writable and the disk is not full."
            ) from None
        try:
            run_log._write_summary(run_log._opening_summary())
        except OSError as exc:
            run_log.abort(f"summary.json could not be written: {exc}")
            raise RunLogError(
                f"cannot write the run's log files in {folder}: {exc.strerror or exc}. "
                "Check that the log folder is writable and the disk is not full."
            ) from None
        what = "dry run" if dry_run else "run"
        run_log.event(
            "run_started",
            f"{what} {run_id} of profile {profile!r}, scope: {scope}",
            profile=profile,
            scope=scope,
            dry_run=dry_run,
            retry_of=retry_of,
            pid=os.getpid(),
        )
        if capture_logging:
            run_log.attach_logging(logging_level)
        return run_log

    def close(self, summary: RunSummary) -> None:
        """Write the closing line and ``summary.json``, wait until all is written; later calls do nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.detach_logging()
        self._enqueue(
            "event",
            self._record(
                "run_finished",
                f"{summary.status.label}: " + _counts_text(summary.counts) + f" in {summary.duration_s:.1f} s",
                "warning" if summary.status is not RunStatus.SUCCEEDED else "info",
                {
                    "status": summary.status.value,
                    "counts": {status.value: count for status, count in summary.counts.items()},
                    "duration_s": summary.duration_s,
                    "salesforce_calls": summary.salesforce_calls,
                    "zuora_calls": summary.zuora_calls,
                    "exit_code": int(summary.exit_code),
                },
            ),
        )
        self._enqueue("summary", {**summary.to_json_dict(), **self._process_fields()})
        self._stop()

    def abort(self, error: str, status: RunStatus = RunStatus.ERROR) -> None:
        """Close a run that could not go on (``error`` says why, for the admin), or was cancelled early."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.detach_logging()
        level = "error" if status is RunStatus.ERROR else "warning"
        self._enqueue("event", self._record("run_aborted", error, level, {}))
        data = {**self._opening_summary(), "status": status.value, "duration_s": time.monotonic() - self._started}
        data["error"] = error
        data["exit_code"] = None
        self._enqueue("summary", data)
        self._stop()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if exc is not None:
            self.abort(f"the run stopped on an unexpected error: {type(exc).__name__}: {exc}")
        else:
            # closed by close() or abort() already, unless the caller forgot: then say so, not "running"
            self.abort("the run ended without recording its outcome", RunStatus.INTERRUPTED)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def write_error(self) -> OSError | None:
        """The error that stopped the log from being written (disk full …), if any."""
        return self._broken

    def flush(self) -> None:
        """Wait until everything queued so far is written and flushed to the operating system."""
        done = threading.Event()
        if self._enqueue("barrier", done):
            done.wait()

    def _stop(self) -> None:
        atexit.unregister(self.flush)
        self._enqueue("stop", None)
        self._writer.join()
        for stream in (self._jsonl, self._text, self._csv_stream):
            try:
                stream.close()
            except OSError as exc:
                self._broken = self._broken or exc

    # -- redaction ------------------------------------------------------------------------------

    def add_secret(self, secret: str | None) -> None:
        """Never write ``secret`` (e.g. a token minted during the run), raw, URL- or JSON-encoded.

        It is registered with the run's redactor, the process-wide one by default: a secret of a run
        stays masked in the app log as well.
        """
        if not secret:
            return
        self._redactor.register(secret)
        encoded = json.dumps(secret, ensure_ascii=False)[1:-1]
        if encoded != secret:
            self._redactor.register(encoded)

    def redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def _prepared(self, value: Any) -> Any:
        """``value`` as JSON-ready data, with the strings JSON would escape already redacted."""
        if isinstance(value, str):
            return self.redact(value) if _JSON_ESCAPED.search(value) else value
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {self._prepared(str(key)): self._prepared(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._prepared(item) for item in value]
        if isinstance(value, datetime):
            return _timestamp(value)
        return self._prepared(str(value))

    def _fully_redacted(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(key): self._fully_redacted(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._fully_redacted(item) for item in value]
        return value

    def _json_line(self, record: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, str] | None]:
        """The redacted JSON line of ``record``, the (redacted) record it encodes, and — when the line is
        ``record`` as it came — each field's JSON text (the ``run.log`` text reuses it)."""
        fields = _try_fields(record)
        line = None if fields is None else "{" + ",".join(f"{_compact(k)}:{v}" for k, v in fields.items()) + "}"
        # JSON escaped something (a backslash shows it): redact those strings before they are encoded.
        prepared: dict[str, Any] = record if line is not None and "\\" not in line else self._prepared(record)
        if line is None or prepared is not record:
            line, fields = _compact(prepared), None
        if len(line) > MAX_LINE_CHARS:
            prepared = {key: _cut(value) for key, value in prepared.items()}
            line, fields = _compact(prepared), None
        redacted = self.redact(line)
        if redacted == line:
            return line, prepared, fields
        # Redacting the encoded line is one fast pass; if a mask landed across JSON syntax, redact value by value.
        try:
            decoded: dict[str, Any] = json.loads(redacted)
        except ValueError:
            decoded = self._fully_redacted(self._prepared(prepared))
            return _compact(decoded), decoded, None
        return redacted, decoded, None

    # -- what callers report (any thread) -------------------------------------------------------

    def _record(self, kind: str, message: str, level: str, fields: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "ts": _timestamp(utc_now()),
            "t": round(time.monotonic() - self._started, 6),
            "kind": kind,
            "level": level,
            "message": message,
            "thread": threading.current_thread().name,
        }
        for key, value in fields.items():
            if value is not None and key not in record:
                record[key] = value
        return record

    def _enqueue(self, what: str, payload: Any) -> bool:
        """Queue one item for the writer thread; False when it will never be written."""
        if threading.current_thread() is self._writer:
            # the writer's own logging (a write error) must not wait on the queue it empties
            return False
        while self._writer.is_alive():
            try:
                self._queue.put((what, payload), timeout=1.0)
            except queue.Full:
                continue
            return True
        return False

    def event(self, kind: str, message: str, *, level: str = "info", **fields: Any) -> None:
        """One step of the run: ``kind`` names it, ``message`` says it in words, ``fields`` hold the data."""
        if self._closed:
            return
        self._enqueue("event", self._record(kind, message, level, fields))

    def exchange(self, exchange: Exchange) -> None:
        """One Zuora HTTP round trip (the ``on_exchange`` callback of :class:`ZuoraClient`)."""
        if exchange.status is None:
            outcome = f"no answer ({exchange.error or 'connection failed'})"
        else:
            outcome = f"HTTP {exchange.status}"
        failed = exchange.status is None or exchange.status >= 400
        target = exchange.path
        if exchange.params:
            target += "?" + urlencode(exchange.params, doseq=True, safe=":[]/,")
        self.event(
            "exchange",
            f"{exchange.method} {target} → {outcome} in {exchange.duration_s * 1000:.0f} ms"
            + (f" (attempt {exchange.attempt})" if exchange.attempt > 1 else ""),
            level="warning" if failed else "info",
            method=exchange.method,
            path=exchange.path,
            params=dict(exchange.params) if exchange.params else None,
            attempt=exchange.attempt,
            status=exchange.status,
            duration_ms=round(exchange.duration_s * 1000, 1),
            request_id=exchange.request_id,
            error=exchange.error,
            request_body=exchange.request_body,
            response_body=exchange.response_body,
        )

    def soql(self, query: str, rows: int, duration_s: float, **fields: Any) -> None:
        """One SOQL query sent to Salesforce and the rows it returned."""
        self.event(
            "soql",
            f"SOQL → {rows} row{'s' if rows != 1 else ''} in {duration_s * 1000:.0f} ms",
            query=query,
            rows=rows,
            duration_ms=round(duration_s * 1000, 1),
            **fields,
        )

    def result(self, result: RecordResult) -> None:
        """A record's outcome: a line in the logs and a row in ``results.csv``."""
        if self._closed:
            return
        message = f"{result.record.text()}: {result.status.label}"
        if result.error_class:
            message += f" — {result.error_class}"
        if result.message:
            message += f": {result.message}"
        level = "warning" if result.status is RecordStatus.FAILED else "info"
        self._enqueue("result", (result, self._record("result", message, level, {})))

    # -- the writer thread ----------------------------------------------------------------------

    def _write_queued(self) -> None:
        while True:
            try:
                # With lines waiting to be flushed, wake up in time to flush them even if nothing else comes.
                what, payload = self._queue.get(timeout=FLUSH_INTERVAL_S if self._unflushed else None)
            except queue.Empty:
                self._flush_streams()
                continue
            if what == "stop":
                self._flush_streams()
                return
            if what == "barrier":
                self._flush_streams()
                payload.set()
                continue
            if self._broken is None:
                try:
                    self._write(what, payload)
                except OSError as exc:
                    self._break(exc)
            self._unflushed += 1
            if self._unflushed >= FLUSH_EVERY or time.monotonic() - self._flushed_at >= FLUSH_INTERVAL_S:
                self._flush_streams()

    def _write(self, what: str, payload: Any) -> None:
        if what == "summary":
            self._write_summary(payload)
            return
        if what == "result":
            result, record = payload
            record["result"] = result.model_dump(mode="json", exclude_defaults=True)
            self._write_event(record)
            self._csv.write_row(result)
            return
        self._write_event(payload)

    def _write_event(self, record: dict[str, Any]) -> None:
        line, redacted, fields = self._json_line(record)
        self._jsonl.write(line + "\n")
        # Built from the redacted record: the same values, so nothing the JSON line masks shows here.
        self._text.write(_human(redacted, fields))

    def _flush_streams(self) -> None:
        self._unflushed = 0
        self._flushed_at = time.monotonic()
        if self._broken is not None:
            return
        try:
            for stream in (self._jsonl, self._text, self._csv_stream):
                stream.flush()
        except OSError as exc:
            self._break(exc)

    def _break(self, exc: OSError) -> None:
        self._broken = exc
        _log.warning(
            "The debug log of run %s stopped being written (%s); the sync goes on. Free disk space in %s.",
            self.run_id,
            exc.strerror or exc,
            self.folder,
        )

    # -- summary.json ---------------------------------------------------------------------------

    def _process_fields(self) -> dict[str, Any]:
        return {"format": SUMMARY_FORMAT, "pid": os.getpid(), "host": this_host()}

    def _opening_summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "profile": self.profile,
            "scope": self.scope,
            "dry_run": self.dry_run,
            "started_at": _timestamp(self.started_at),
            "retry_of": self.retry_of,
            "status": RunStatus.RUNNING.value,
            **self._process_fields(),
        }

    def _write_summary(self, data: dict[str, Any]) -> None:
        """Replace ``summary.json`` in one step, so a reader never sees half a file."""
        target = self.folder / SUMMARY_NAME
        partial = target.with_name(SUMMARY_NAME + ".partial")
        text = self.redact(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)

    # -- Python logging -------------------------------------------------------------------------

    def attach_logging(self, level: int = logging.INFO) -> None:
        """Copy records logged through Python logging (any logger) into this run's log while it is open."""
        with self._lock:
            if self._handler is None and not self._closed:
                self._handler = RunLogHandler(self, level)
                self._handler.attach()

    def detach_logging(self) -> None:
        with self._lock:
            if self._handler is not None:
                self._handler.detach()
                self._handler = None


class RunLogHandler(logging.Handler):
    """A logging handler that writes records into a :class:`RunLog`, redacted.

    Attached to the root logger. Records of other libraries (urllib3 …) arrive from ``level`` up; the
    app's own (``cpq_desktop.*``) from DEBUG up, since this is the run's debug log — the ``cpq_desktop``
    logger is opened to DEBUG while attached and put back afterwards (the app log's handler keeps its
    own level).

    In a process that has not set logging up (the command line), Python would print warnings on stderr
    through its last-resort handler; a handler on the root logger turns that off, so this one passes
    them on to it.

    A record carrying ``extra={"run_event": {"kind": ..., **fields}}`` becomes that event (``soql`` with
    its query and row count, for instance) instead of a plain ``log`` line, so code that must not depend
    on the run log (the extraction) can still report structured steps into it.
    """

    def __init__(self, run_log: RunLog, level: int = logging.INFO) -> None:
        super().__init__(logging.DEBUG)
        self.threshold = level
        self.run_log = run_log
        self._app_logger = logging.getLogger(_APP_LOGGER)
        self._previous_level: int | None = None
        self._last_resort: logging.Handler | None = None

    def attach(self) -> None:
        root = logging.getLogger()
        self._last_resort = logging.lastResort if not root.handlers else None
        if self._app_logger.getEffectiveLevel() > logging.DEBUG:
            self._previous_level = self._app_logger.level
            self._app_logger.setLevel(logging.DEBUG)
        logging.getLogger().addHandler(self)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)
        if self._previous_level is not None and self._app_logger.level == logging.DEBUG:
            self._app_logger.setLevel(self._previous_level)
        self._previous_level = None

    def _wanted(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_OUTSIDE_WORLD):
            return False
        return record.levelno >= self.threshold or record.name == _APP_LOGGER or record.name.startswith(_APP_PREFIX)

    def emit(self, record: logging.LogRecord) -> None:
        if self._last_resort is not None and record.levelno >= self._last_resort.level:
            self._last_resort.handle(record)
        if not self._wanted(record):
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        structured = getattr(record, "run_event", None)
        if isinstance(structured, dict) and isinstance(structured.get("kind"), str):
            fields = {key: value for key, value in structured.items() if key not in _EVENT_ARGUMENTS}
            self.run_log.event(structured["kind"], message, level=record.levelname.lower(), **fields)
            return
        traceback = record.exc_text
        if record.exc_info and record.exc_info[0] is not None and not traceback:
            traceback = logging.Formatter().formatException(record.exc_info)
        self.run_log.event(
            "log",
            message,
            level=record.levelname.lower(),
            logger=record.name,
            traceback=traceback,
        )


def _cut(value: Any) -> Any:
    text = value if isinstance(value, str) else _compact(value)
    if len(text) <= MAX_FIELD_CHARS:
        return value
    return f"{text[:MAX_FIELD_CHARS]}… [{len(text) - MAX_FIELD_CHARS} more characters left out of the log]"


# The built-in sandbox plays Salesforce and Zuora in-process: its own logs are not the connector's doing.
_OUTSIDE_WORLD = ("cpq_desktop.sandbox", "werkzeug")
_APP_LOGGER = "cpq_desktop"
_APP_PREFIX = _APP_LOGGER + "."
_EVENT_ARGUMENTS = frozenset({"kind", "message", "level"})
_HEADER_FIELDS = frozenset({"ts", "t", "kind", "level", "message", "thread"})
_SHORT_VALUE = 60


def _human(record: dict[str, Any], encoded: dict[str, str] | None = None) -> str:
    """The ``run.log`` lines of one (already redacted) event: short values on one line, the rest below
    (``encoded``: the fields' JSON text, when the JSON line has it already)."""
    message = str(record["message"]).replace("\n", "\n        ")
    lines = [f"{record['ts']} {record['level'].upper():<7} {record['kind']:<12} {message} [{record['thread']}]"]
    short: list[str] = []
    long: list[str] = []
    for key, value in record.items():
        if key in _HEADER_FIELDS:
            continue
        shown = value if isinstance(value, str) else encoded[key] if encoded is not None else _compact(value)
        if len(shown) <= _SHORT_VALUE and "\n" not in shown:
            short.append(f"{key}={shown}")
        else:
            long.append(f"    {key}: " + shown.replace("\n", "\n        "))
    if short:
        lines.append("    " + " ".join(short))
    lines.extend(long)
    return "\n".join(lines) + "\n"


def _counts_text(counts: dict[RecordStatus, int]) -> str:
    shown = [f"{count} {status.label.lower()}" for status, count in counts.items() if count]
    return ", ".join(shown) if shown else "no records"
