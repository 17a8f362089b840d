"""Planning a sync: Salesforce CPQ records in, the exact Zuora requests out (connector-spec §2–§4, §6).

- :mod:`.source` — the scope and reading its records (batched SOQL) into a :class:`RecordGraph`;
- :mod:`.graph` — the records and the links between them (amendment chains, schedules);
- :mod:`.validation` — checks before any write, one clear message per bad record;
- :mod:`.accounts`, :mod:`.catalog`, :mod:`.orders` — the steps of each kind;
- :mod:`.pricing` — charge overrides and updates per charge model;
- :mod:`.planner` — :func:`plan_sync` (connections in, :class:`~cpq_desktop.core.sync.plan.SyncPlan` out)
  and :func:`plan_graph` (the pure part).
"""

from cpq_desktop.core.planning.graph import RecordGraph
from cpq_desktop.core.planning.planner import lookup_zuora, plan_graph, plan_sync
from cpq_desktop.core.planning.source import PlanScope, read_graph

__all__ = ["PlanScope", "RecordGraph", "lookup_zuora", "plan_graph", "plan_sync", "read_graph"]
