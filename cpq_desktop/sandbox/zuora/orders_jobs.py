"""Asynchronous orders (``POST /v1/async/orders``): a persistent job queue with one worker per tenant.

A job is stored with its request before the 202 answer, so it survives a restart: the first look at
the jobs after a restart (a poll, or a new async order) queues the jobs still ``Processing``. The order
and the job's result are written in one transaction, so a job never runs twice with an effect.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.orders_store import JobBook
from cpq_desktop.sandbox.zuora.store import TenantStore, new_id

log = logging.getLogger(__name__)

# Runs one job's order inside the caller's transaction and returns the job result body.
Executor = Callable[[dict[str, Any], str, bool], dict[str, Any]]


class OrderJobs:
    """The job queue of one tenant store."""

    def __init__(self, store: TenantStore, executor: Executor) -> None:
        self._store = store
        self._executor = executor
        self._queue: queue.Queue[str] = queue.Queue()
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._gate = threading.Event()
        self._gate.set()
        with store.read() as db:
            waiting = JobBook(db).processing()
        for job_id in waiting:
            self._enqueue(job_id)
        self._worker = threading.Thread(target=self._work, name="zuora-order-jobs", daemon=True)
        self._worker.start()

    def submit(self, request: dict[str, Any], version: str, return_ids: bool) -> str:
        job_id = new_id()
        with self._store.transaction() as db:
            JobBook(db).add(job_id, request, version, return_ids, time.time())
        self._enqueue(job_id)
        return job_id

    def wait(self, job_id: str, timeout: float = 30.0) -> bool:
        """Block until the job has finished (for tests and tools); False on timeout."""
        with self._lock:
            event = self._done.get(job_id)
        return True if event is None else event.wait(timeout)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep queued jobs ``Processing`` while the block runs (to observe a job mid-flight)."""
        self._gate.clear()
        try:
            yield
        finally:
            self._gate.set()

    def _enqueue(self, job_id: str) -> None:
        with self._lock:
            self._done.setdefault(job_id, threading.Event())
        self._queue.put(job_id)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            self._gate.wait()
            try:
                self._run(job_id)
            except sqlite3.ProgrammingError:
                # The tenant was stopped and its database closed; the job stays queued in the file.
                return
            finally:
                with self._lock:
                    event = self._done.pop(job_id, None)
                if event is not None:
                    event.set()

    def _run(self, job_id: str) -> None:
        with self._store.read() as db:
            job = JobBook(db).get(job_id)
        if job is None or job.status != "Processing":
            return
        try:
            with self._store.transaction() as db:
                result = self._executor(job.request, job.version, job.return_ids)
                JobBook(db).finish(job_id, result, None)
        except ApiError as err:
            with self._store.transaction() as db:
                JobBook(db).finish(job_id, None, err.message)
        except sqlite3.ProgrammingError:
            raise
        except Exception:
            log.exception("Zuora sandbox: asynchronous order job %s failed unexpectedly", job_id)
            with self._store.transaction() as db:
                JobBook(db).finish(job_id, None, "An internal error occurred while processing the order.")


_RUNNERS: weakref.WeakKeyDictionary[TenantStore, OrderJobs] = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def jobs_for(store: TenantStore, executor: Executor) -> OrderJobs:
    """The job queue of a store, started (and its unfinished jobs re-queued) on first use."""
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(store)
        if runner is None:
            runner = OrderJobs(store, executor)
            _RUNNERS[store] = runner
        return runner
