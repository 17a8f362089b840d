"""Running the extraction's SOQL: REST or Bulk API 2.0, ``IN`` lists cut to fit, failures isolated per record.

A query Salesforce rejects as malformed (a mapped field the org doesn't have, no access to it) fails the
run: it would fail for every record. Any other failure of a batch is narrowed down by halving the batch,
so that one unreadable record is reported on its own and the others are still read; after a few such
splits the run stops rather than spend the org's API allowance on an outage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
)

from cpq_desktop.core.extract.bulkcsv import CsvRecords
from cpq_desktop.core.extract.describe import OrgDescribe
from cpq_desktop.core.extract.problems import ExtractionCancelled, ExtractionError, ExtractionProblem
from cpq_desktop.core.extract.soql import chunk_values, in_list
from cpq_desktop.core.salesforce.oauth import SalesforceLoginError

Runner = Callable[[Callable[[Salesforce], Any]], Any]
# (step in words, values done, values in the step): e.g. ("Reading order products", 400, 1000)
Progress = Callable[[str, int, int], None]

# errors that a smaller batch cannot fix: the query itself is wrong for this org
_QUERY_ERRORS = frozenset(
    {"INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR", "INVALID_OPERATION"}
)
MAX_SPLITS = 16

log = logging.getLogger(__name__)


def _error_code(exc: SalesforceError) -> tuple[str, str]:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    return "", str(content)


class QueryRunner:
    """Runs the extraction's queries through one connection and counts them."""

    def __init__(
        self,
        run: Runner,
        describe: OrgDescribe,
        *,
        bulk: bool,
        api_version: str,
        max_ids: int,
        bulk_poll_wait_s: float,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self._run = run
        self.describe = describe
        self.bulk = bulk
        self.api_version = api_version
        self.max_ids = max_ids
        self.bulk_poll_wait_s = bulk_poll_wait_s
        self.progress = progress
        self.cancelled = cancelled
        self.queries = 0
        self._splits = 0
        self.problems: list[ExtractionProblem] = []

    # -- one query -----------------------------------------------------------------------------------------

    def query(self, sobject: str, soql: str) -> list[dict[str, Any]]:
        """All records of ``soql`` (every page). Raises SalesforceError for the caller to handle."""
        self.queries += 1
        began = time.monotonic()
        try:
            if self.bulk:
                wait = self.bulk_poll_wait_s

                def pages(sf: Salesforce) -> list[str]:
                    return [str(page) for page in getattr(sf.bulk2, sobject).query(soql, wait=wait)]

                records = CsvRecords(sobject, self.describe, self.api_version).records(self._run(pages))
            else:
                records = [dict(r) for r in self._run(lambda sf: sf.query_all(soql))["records"]]
        except (SalesforceExpiredSession, SalesforceLoginError) as exc:
            raise ExtractionError(str(exc)) from None
        except SalesforceOperationError as exc:
            raise ExtractionError(
                f"Salesforce's Bulk API could not run the {sobject} query: {exc}. Try again later, or raise the "
                "bulk threshold so the sync reads through the REST API."
            ) from None
        except requests.RequestException as exc:
            raise ExtractionError(
                f"Salesforce could not be reached ({type(exc).__name__}). Check the network connection and the "
                "instance URL of the profile, then run the sync again."
            ) from None
        duration_s = time.monotonic() - began
        # The query text goes to the run's debug log (a structured "soql" event), not into the message.
        log.debug(
            "SOQL %s (%s API): %d rows in %.0f ms",
            sobject,
            "Bulk" if self.bulk else "REST",
            len(records),
            duration_s * 1000,
            extra={
                "run_event": {
                    "kind": "soql",
                    "object": sobject,
                    "query": soql,
                    "rows": len(records),
                    "duration_ms": round(duration_s * 1000, 1),
                    "api": "bulk" if self.bulk else "rest",
                }
            },
        )
        return records

    def _fatal(self, sobject: str, exc: SalesforceError) -> ExtractionError:
        code, message = _error_code(exc)
        if isinstance(exc, SalesforceRefusedRequest) and code == "REQUEST_LIMIT_EXCEEDED":
            return ExtractionError(
                f"Salesforce refused the query: {message} The org's API allowance is used up for now; "
                "run the sync later or ask the Salesforce admin about the API request limit."
            )
        said = f"Salesforce rejected the {sobject} query ({code or exc.status}): {message.strip()}"
        if code in _QUERY_ERRORS:
            return ExtractionError(
                f"{said} Check that every Salesforce field the mapping reads exists in this org and that the "
                "integration user may read it (cpq-desktop mapping validate --profile P checks this), then run "
                "the sync again."
            )
        if code == "QUERY_TIMEOUT":
            return ExtractionError(
                f"{said} Salesforce stopped the query after its time limit; run the sync again later, or pick a "
                "narrower scope (fewer orders, or orders changed since a recent date)."
            )
        return ExtractionError(f"{said} Run the sync again later; if it keeps failing, check Salesforce's status.")

    # -- batches of ids ------------------------------------------------------------------------------------

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ExtractionCancelled(
                "The sync was stopped while Salesforce was being read; nothing was planned or written. "
                "Start it again when ready."
            )

    def by_values(
        self,
        sobject: str,
        template: str,
        values: Sequence[str],
        *,
        label: str = "record",
        step: str | None = None,
    ) -> list[dict[str, Any]]:
        """The records of ``template`` (``{values}`` is the place of the ``IN`` list) for all ``values``,
        in batches that fit; a batch that fails is split to report the unreadable value alone. ``step``
        names the batches in progress reports."""
        return [record for batch in self.batches(sobject, template, values, label=label, step=step) for record in batch]

    def batches(
        self,
        sobject: str,
        template: str,
        values: Sequence[str],
        *,
        label: str = "record",
        step: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """:meth:`by_values` one batch at a time, so that a caller keeping only part of each record never
        holds every batch's answer at once."""
        unique = list(dict.fromkeys(values))
        done = 0
        for _, batch in chunk_values(template, unique, bulk=self.bulk, max_values=self.max_ids):
            self.check_cancelled()
            yield self._batch(sobject, template, batch, label)
            done += len(batch)
            if self.progress is not None and step is not None:
                self.progress(step, done, len(unique))

    def _batch(self, sobject: str, template: str, batch: list[str], label: str) -> list[dict[str, Any]]:
        try:
            return self.query(sobject, template.replace("{values}", in_list(batch)))
        except SalesforceError as exc:
            code, message = _error_code(exc)
            if isinstance(exc, SalesforceMalformedRequest) and code in _QUERY_ERRORS:
                raise self._fatal(sobject, exc) from None
            if isinstance(exc, SalesforceRefusedRequest):
                raise self._fatal(sobject, exc) from None
            if len(batch) == 1:
                self.problems.append(
                    ExtractionProblem(
                        sobject=sobject,
                        record_id=batch[0],
                        message=f"Salesforce could not read the {label} {batch[0]}: {message.strip() or code}. "
                        "Check that the integration user can see it (sharing rules, field-level security) and "
                        "sync it again.",
                    )
                )
                return []
            self._splits += 1
            if self._splits > MAX_SPLITS:
                raise ExtractionError(
                    f"Salesforce keeps failing to answer {sobject} queries ({code or exc.status}: "
                    f"{message.strip()}). Try again later; if it persists, check Salesforce's status page."
                ) from None
            middle = len(batch) // 2
            return self._batch(sobject, template, batch[:middle], label) + self._batch(
                sobject, template, batch[middle:], label
            )

    def single(self, sobject: str, soql: str) -> list[dict[str, Any]]:
        """A query without an id list (scope resolution); any failure stops the run with a clear message."""
        try:
            return self.query(sobject, soql)
        except SalesforceError as exc:
            raise self._fatal(sobject, exc) from None
