"""Reading and planning a sync's parts in a child process, so that the writes never wait for them.

Python runs one thread at a time. Reading and planning a part is pure computation, and while it ran in a
thread beside the writer threads, every writer waited for the interpreter several times per request:
the writes ran at about two thirds of their rate for as long as parts were being planned (issue 6's
benchmark). The child process runs :func:`~cpq_desktop.core.planning.planner.plan_parts` with its own
connections, made from this session's (the Salesforce session's access token, renewed by asking this
process, and the Zuora OAuth client), and hands each part back through a pipe when asked for it — one
part at a time, so reading runs only as far ahead as the writes need. Its log records (the SOQL it ran)
and Zuora look-ups come back through the same pipe into this run's debug log; its Zuora requests share
this process's concurrency slots, so together they never exceed the tenant's limit.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from simple_salesforce.exceptions import SalesforceError

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import ExtractionCancelled, ExtractionError, Scope
from cpq_desktop.core.planning.connections import Connections
from cpq_desktop.core.planning.planner import PartSizes, plan_parts
from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import SalesforceLoginError, SalesforceTokens
from cpq_desktop.core.sync.peak_memory import peak_rss_mb
from cpq_desktop.core.sync.plan import SyncPlan
from cpq_desktop.core.zuora.client import Exchange, RetryPolicy, ZuoraClient, ZuoraConnection
from cpq_desktop.core.zuora.errors import ZuoraAuthError, ZuoraConnectionError, ZuoraError

# the child stops within this long after being told to; then it is ended
STOP_TIMEOUT_S = 10.0
_APP_LOGGER = "cpq_desktop"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    """Everything the child needs, sent to it once when it starts (in memory, through the process pipe)."""

    profile: str
    scope: Scope
    options: ConnectorOptions
    sizes: PartSizes
    salesforce_tokens: SalesforceTokens
    salesforce_ca_file: Path | None
    salesforce_api_version: str
    zuora: ZuoraConnection
    retry: RetryPolicy
    slots: Any  # a multiprocessing semaphore shared with this process's Zuora client


def plan_parts_in_child(
    connections: Connections,
    scope: Scope,
    *,
    sizes: PartSizes,
    retry: RetryPolicy,
    slots: Any,
    on_exchange: Callable[[Exchange], None] | None = None,
) -> Iterator[SyncPlan]:
    """The parts of ``scope``'s plan, read and planned by a child process, one each time one is taken."""
    verify = connections.salesforce.http.verify
    job = _Job(
        profile=connections.profile,
        scope=scope,
        options=connections.options,
        sizes=sizes,
        salesforce_tokens=connections.salesforce.tokens,
        salesforce_ca_file=Path(verify) if isinstance(verify, str) else None,
        salesforce_api_version=connections.salesforce.api_version,
        zuora=connections.zuora.connection,
        retry=retry,
        slots=slots,
    )
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    renewals, their_renewals = context.Pipe()
    process = context.Process(
        target=_child, args=(job, theirs, their_renewals), name="cpq-desktop-planning", daemon=True
    )
    process.start()
    theirs.close()
    their_renewals.close()

    def renew(stale_access_token: str) -> None:
        try:
            renewals.send(("tokens", connections.salesforce.renewed(stale_access_token)))
        except (SalesforceLoginError, OSError) as exc:  # refused, or the login endpoint unreachable
            renewals.send(("error", str(exc)))

    try:
        while True:
            ours.send("next")
            kind, payload = _answer(ours, process, on_exchange, renew)
            if kind == "done":
                if payload is not None:
                    _log.info(
                        "The planning process peaked at %.0f MB of memory",
                        payload,
                        extra={"run_event": {"kind": "memory", "process": "planning", "peak_rss_mb": round(payload)}},
                    )
                return
            if kind == "error":
                raise _error(*payload)
            plan: SyncPlan = payload  # pickled as it was planned: validating it again would only cost time
            yield plan
    finally:
        _stop(ours, process)
        renewals.close()


def _answer(
    pipe: Connection,
    process: Any,
    on_exchange: Callable[[Exchange], None] | None,
    renew: Callable[[str], None],
) -> tuple[str, Any]:
    """The child's answer to a request; meanwhile its log records and Zuora exchanges are passed on and
    its requests to renew the Salesforce session answered."""
    while True:
        try:
            kind, payload = pipe.recv()
        except (EOFError, OSError):
            process.join(timeout=STOP_TIMEOUT_S)
            raise ExtractionError(
                f"The process reading and planning the sync stopped unexpectedly (exit code {process.exitcode}). "
                "What was written is recorded; run the sync again, and if this repeats, send the debug log."
            ) from None
        if kind == "log":
            logging.getLogger(payload.name).handle(payload)
        elif kind == "exchange":
            if on_exchange is not None:
                on_exchange(payload)
        elif kind == "renew":
            renew(payload)
        else:
            return kind, payload


def _stop(pipe: Connection, process: Any) -> None:
    with contextlib.suppress(OSError):  # it has gone already
        pipe.send("stop")
    process.join(timeout=STOP_TIMEOUT_S)
    if process.is_alive():
        process.terminate()
        process.join(timeout=STOP_TIMEOUT_S)
    pipe.close()


_ERRORS: dict[str, Callable[[str], Exception]] = {
    "ExtractionCancelled": ExtractionCancelled,
    "SalesforceLoginError": ExtractionError,
    "ExtractionError": ExtractionError,
    "ZuoraAuthError": ZuoraAuthError,
    "ZuoraError": ZuoraConnectionError,
    "SalesforceError": ExtractionError,
}


def _error(kind: str, message: str) -> Exception:
    """The child's failure as this process's exception of the same meaning (a bug stays a bug)."""
    make = _ERRORS.get(kind)
    return make(message) if make is not None else RuntimeError(f"reading and planning the sync failed:\n{message}")


# -- the child ---------------------------------------------------------------------------------------


class _Sender:
    """The child's end of the pipe: its reading thread logs while its main thread answers, one at a time."""

    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe
        self._lock = threading.Lock()

    def send(self, message: tuple[str, Any]) -> None:
        with self._lock:
            self._pipe.send(message)


class _PipeHandler(logging.Handler):
    """Sends the child's log records to the parent, which handles them as its own (the run's debug log)."""

    def __init__(self, pipe: _Sender) -> None:
        super().__init__(logging.DEBUG)
        self._pipe = pipe

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
        self._pipe.send(("log", record))


class _Renewal:
    """The child's way to renew the Salesforce session: it asks the parent, whose connection can log in
    again (with the profile's secrets, which never leave it), and waits for the fresh tokens."""

    def __init__(self, sender: _Sender, answers: Connection) -> None:
        self._sender = sender
        self._answers = answers
        self._lock = threading.Lock()

    def __call__(self, stale: SalesforceTokens) -> SalesforceTokens:
        with self._lock:
            self._sender.send(("renew", stale.access_token))
            kind, payload = self._answers.recv()
        if kind == "error":
            raise SalesforceLoginError(payload)
        tokens: SalesforceTokens = payload
        return tokens


def _child(job: _Job, pipe: Connection, renewals: Connection) -> None:
    # Ctrl+C in a terminal reaches the whole process group: the parent cancels the sync and tells this
    # process to stop once the part in hand is planned
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sender = _Sender(pipe)
    logger = logging.getLogger(_APP_LOGGER)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(_PipeHandler(sender))
    salesforce = SalesforceConnection(
        job.salesforce_tokens,
        _Renewal(sender, renewals),
        make_http_session(job.salesforce_ca_file),
        api_version=job.salesforce_api_version,
    )
    zuora = ZuoraClient(
        job.zuora, retry=job.retry, pool_size=1, on_exchange=lambda e: sender.send(("exchange", e)), slots=job.slots
    )
    try:
        parts = plan_parts(
            salesforce, zuora, profile=job.profile, scope=job.scope, options=job.options, sizes=job.sizes
        )
        while pipe.recv() == "next":
            part = next(parts, None)
            if part is None:
                sender.send(("done", peak_rss_mb()))
                break
            sender.send(("part", part))
    except (EOFError, OSError):
        pass  # the parent went away: nothing left to answer
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent, which decides
        sender.send(("error", (_kind(exc), _message(exc))))
    finally:
        zuora.close()
        salesforce.http.close()


def _kind(exc: Exception) -> str:
    for kind in (
        ExtractionCancelled,
        ExtractionError,
        SalesforceLoginError,
        ZuoraAuthError,
        ZuoraError,
        SalesforceError,
    ):
        if isinstance(exc, kind):
            return kind.__name__
    return type(exc).__name__


def _message(exc: Exception) -> str:
    if isinstance(exc, ExtractionError | SalesforceLoginError | ZuoraError | SalesforceError):
        return str(exc)
    return "".join(traceback.format_exception(exc))
