"""The org's API limits: the daily request allowance, Bulk 2.0 query jobs, and what ``/limits`` reports.

Every authenticated REST call counts one request, query pages included; the versions list does not
(salesforce-api.md §5). Once the allowance is spent, calls answer 403 ``REQUEST_LIMIT_EXCEEDED`` with the
real message, and ``Sforce-Limit-Info`` keeps reporting ``api-usage=used/max`` so a client can see why.
"""

from __future__ import annotations

import threading
from typing import Any

DEFAULT_DAILY_API_LIMIT = 5_000_000  # a Full sandbox: generous enough that a test never trips it by accident
DEFAULT_DAILY_BULK_QUERY_JOBS = 10_000


class LimitExceeded(Exception):
    """The daily allowance is spent; the request must be refused before it does anything."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiLimits:
    """Thread-safe counters for one org."""

    def __init__(
        self,
        daily_api_limit: int = DEFAULT_DAILY_API_LIMIT,
        daily_bulk_query_jobs: int = DEFAULT_DAILY_BULK_QUERY_JOBS,
    ) -> None:
        if daily_api_limit < 0 or daily_bulk_query_jobs < 0:
            raise ValueError("limits must be 0 or more")
        self._lock = threading.Lock()
        self._api_max = daily_api_limit
        self._api_used = 0
        self._bulk_jobs_max = daily_bulk_query_jobs
        self._bulk_jobs_used = 0

    def consume_request(self) -> tuple[int, int]:
        """Count one API request and return ``(used, max)``, or raise ``LimitExceeded`` if none is left."""
        with self._lock:
            if self._api_used >= self._api_max:
                raise LimitExceeded("TotalRequests Limit exceeded.")
            self._api_used += 1
            return self._api_used, self._api_max

    def consume_bulk_query_job(self) -> None:
        with self._lock:
            if self._bulk_jobs_used >= self._bulk_jobs_max:
                raise LimitExceeded("DailyBulkV2QueryJobs Limit exceeded.")
            self._bulk_jobs_used += 1

    def usage(self) -> tuple[int, int]:
        with self._lock:
            return self._api_used, self._api_max

    def limit_info_header(self) -> str:
        """The ``Sforce-Limit-Info`` value; ``api-usage`` must come first (simple-salesforce anchors its regex)."""
        used, total = self.usage()
        return f"api-usage={used}/{total}"

    def configure(
        self,
        *,
        daily_api_limit: int | None = None,
        used: int | None = None,
        daily_bulk_query_jobs: int | None = None,
    ) -> None:
        """Change the allowance or the count so far at run time (tests, the control API)."""
        for value in (daily_api_limit, used, daily_bulk_query_jobs):
            if value is not None and value < 0:
                raise ValueError("limits must be 0 or more")
        with self._lock:
            if daily_api_limit is not None:
                self._api_max = daily_api_limit
            if used is not None:
                self._api_used = used
            if daily_bulk_query_jobs is not None:
                self._bulk_jobs_max = daily_bulk_query_jobs

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "daily_api_limit": self._api_max,
                "used": self._api_used,
                "daily_bulk_query_jobs": self._bulk_jobs_max,
                "bulk_query_jobs_used": self._bulk_jobs_used,
            }

    def limits_body(self) -> dict[str, dict[str, int]]:
        """The ``GET /limits`` document: the counters this org enforces, and plausible fixed ones beside them."""
        with self._lock:
            api_max, api_used = self._api_max, self._api_used
            jobs_max, jobs_used = self._bulk_jobs_max, self._bulk_jobs_used

        def fixed(maximum: int) -> dict[str, int]:
            return {"Max": maximum, "Remaining": maximum}

        return {
            "ConcurrentAsyncGetReportInstances": fixed(200),
            "ConcurrentSyncReportRuns": fixed(20),
            "DailyApiRequests": {"Max": api_max, "Remaining": max(0, api_max - api_used)},
            "DailyAsyncApexExecutions": fixed(250_000),
            "DailyBulkApiBatches": fixed(15_000),
            "DailyBulkV2QueryFileStorageMB": fixed(976_562),
            "DailyBulkV2QueryJobs": {"Max": jobs_max, "Remaining": max(0, jobs_max - jobs_used)},
            "DailyStreamingApiEvents": fixed(1_000_000),
            "DataStorageMB": fixed(1_024),
            "FileStorageMB": fixed(1_024),
            "HourlyODataCallout": fixed(20_000),
            "HourlyTimeBasedWorkflow": fixed(1_000),
            "SingleEmail": fixed(5_000),
        }
