"""Reading a scope's CPQ graph out of Salesforce: scopes, batched SOQL (REST or Bulk API 2.0), per-record problems.

- :mod:`.scope` — what to sync (orders, accounts, unsynced orders, orders changed since);
- :mod:`.extractor` — scope resolution and the extraction itself;
- :mod:`.scope_parts` — a resolved scope split into parts read, planned and written one after another;
- :mod:`.fields` — the SELECT lists (connector's needs plus the mapping's paths);
- :mod:`.queries` — running queries in batches that fit, isolating unreadable records;
- :mod:`.soql` — literals and ``IN`` lists; :mod:`.describe` — describe metadata on demand;
- :mod:`.bulkcsv` — Bulk API CSV results as REST-shaped records; :mod:`.retry` — repeating failed reads;
- :mod:`.problems` — errors.
"""

from cpq_desktop.core.extract.describe import OrgDescribe
from cpq_desktop.core.extract.extractor import ExtractionResult, ExtractionSettings, Extractor
from cpq_desktop.core.extract.problems import ExtractionCancelled, ExtractionError, ExtractionProblem
from cpq_desktop.core.extract.scope import (
    AccountScope,
    ChangedSinceScope,
    OrderScope,
    ResolvedScope,
    Scope,
    UnsyncedScope,
)

__all__ = [
    "AccountScope",
    "ChangedSinceScope",
    "ExtractionCancelled",
    "ExtractionError",
    "ExtractionProblem",
    "ExtractionResult",
    "ExtractionSettings",
    "Extractor",
    "OrderScope",
    "OrgDescribe",
    "ResolvedScope",
    "Scope",
    "UnsyncedScope",
]
