"""Planning a sync: Salesforce CPQ records in, the exact Zuora requests out (connector-spec §2–§4, §6).

- :mod:`.graph` — the records (from the extraction's CPQ graph) and the links between them;
- :mod:`.validation` — checks before any write, one clear message per bad record;
- :mod:`.accounts`, :mod:`.catalog`, :mod:`.orders` — the steps of each kind;
- :mod:`.pricing` — charge overrides and updates per charge model;
- :mod:`.planner` — :func:`plan_sync` (connections in, :class:`~cpq_desktop.core.sync.plan.SyncPlan` out),
  :func:`~.planner.plan_parts` (the same plan one part of the scope at a time, for a sync that writes a
  part while the next is read) and :func:`plan_graph` (the pure part).
"""

from cpq_desktop.core.planning.graph import RecordGraph, graph_from_cpq
from cpq_desktop.core.planning.planner import lookup_zuora, plan_graph, plan_sync

__all__ = ["RecordGraph", "graph_from_cpq", "lookup_zuora", "plan_graph", "plan_sync"]
