"""Salesforce date-only values come out of the extraction exactly as Salesforce sent them, whatever the
machine's time zone (Data Loader's best-known bug shifts them by a day). The extraction runs in child
processes under the two time zones furthest apart (UTC+14 and UTC-10/-9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.core.extract_fixtures import ExtractOrg

PROBE = """
import json, os
from datetime import datetime
from cpq_desktop.core.extract import Extractor, OrderScope
from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import TokenEndpoint

args = json.loads(os.environ["EXTRACT_PROBE"])
session = make_http_session(args["ca_file"])
c = args["credentials"]
tokens = TokenEndpoint(args["url"], session).password(
    c["username"], c["password"], c["security_token"], c["client_id"], c["client_secret"]
)
connection = SalesforceConnection(tokens, lambda t: t, session)
graph = Extractor(connection).extract(OrderScope(order_ids=tuple(args["orders"]))).graph
out = {"offset_hours": datetime.now().astimezone().utcoffset().total_seconds() / 3600, "orders": {}}
for order in graph.orders.values():
    items = graph.items_of(order.id)
    subscriptions = [graph.subscription_of(i) for i in items]
    out["orders"][order.id] = {
        "EffectiveDate": [order.effective_date.isoformat(), order.raw["EffectiveDate"]],
        "EndDate": [order.end_date.isoformat() if order.end_date else None, order.raw["EndDate"]],
        "ActivatedDate": order.activated_date.isoformat() if order.activated_date else None,
        "ServiceDate": sorted(i.service_date.isoformat() for i in items if i.service_date),
        "SubscriptionStart": sorted(s.start_date.isoformat() for s in subscriptions if s and s.start_date),
        "SubscriptionEnd": sorted(s.raw["SBQQ__EndDate__c"] for s in subscriptions if s and s.end_date),
        "CloseDate": graph.opportunity_of(order).close_date.isoformat(),
    }
print(json.dumps(out))
"""


def _extract_in(zone: str, org: ExtractOrg, orders: list[str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REQUESTS_", "CURL_"))}
    env["TZ"] = zone
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env["EXTRACT_PROBE"] = json.dumps(
        {"url": org.org.url, "ca_file": str(org.tls.ca_file), "credentials": org.org.credentials(), "orders": orders}
    )
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_dates_are_unchanged_under_far_apart_time_zones(small_org: ExtractOrg) -> None:
    orders = [
        r["Id"]
        for r in small_org.rows(
            "SELECT Id FROM \"Order\" WHERE Status = 'Activated' AND Type IN ('New', 'Amendment', 'Renewal') "
            "ORDER BY EffectiveDate LIMIT 12"
        )
    ]
    east = _extract_in("Pacific/Kiritimati", small_org, orders)
    west = _extract_in("America/Adak", small_org, orders)
    assert east["offset_hours"] == 14
    assert west["offset_hours"] in (-10, -9)
    assert east["orders"] == west["orders"]
    stored = {
        r["Id"]: r
        for r in small_org.rows(
            'SELECT o.Id, o.EffectiveDate, o.EndDate, op.CloseDate FROM "Order" o '
            "JOIN Opportunity op ON op.Id = o.OpportunityId"
        )
    }
    assert len(east["orders"]) >= len(orders)
    for order_id, dates in east["orders"].items():
        assert dates["EffectiveDate"] == [stored[order_id]["EffectiveDate"]] * 2
        assert dates["EndDate"][1] == stored[order_id]["EndDate"]
        assert dates["EndDate"][0] == stored[order_id]["EndDate"]
        assert dates["CloseDate"] == stored[order_id]["CloseDate"]
        items = small_org.rows("SELECT ServiceDate FROM OrderItem WHERE OrderId = ?", (order_id,))
        assert dates["ServiceDate"] == sorted(r["ServiceDate"] for r in items if r["ServiceDate"])
        assert dates["ActivatedDate"] is None or dates["ActivatedDate"].endswith("+00:00")
