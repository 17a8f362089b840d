"""Re-sync of accounts and contacts (connector-spec §2.1, §4.2 "Found -> update it (+ relevant contacts)"):
after a first sync, an account's name and billing city and a contact's email are edited in Salesforce; the
next plan updates exactly that account and that contact, field by field, and a third plan writes nothing.
The accounts' other contacts are created under them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import UnsyncedScope
from cpq_desktop.core.planning import plan_sync
from cpq_desktop.core.salesforce.connection import SalesforceConnection
from cpq_desktop.core.sync.executor import Executor, StepState
from cpq_desktop.core.sync.ledger import Ledger
from cpq_desktop.core.sync.plan import StepKind, SyncPlan
from cpq_desktop.core.zuora.client import ZuoraClient
from tests.core.both_sandboxes import both_sandboxes
from tests.zuora_sdk_strict import strict_models, validate_request


@dataclass
class Resync:
    salesforce: SalesforceConnection
    zuora: ZuoraClient
    ledger: Ledger
    first: SyncPlan

    def plan(self) -> SyncPlan:
        return plan_sync(self.salesforce, self.zuora, profile="p", scope=UnsyncedScope(), options=ConnectorOptions())

    def run(self, plan: SyncPlan, run_id: str) -> dict[str, StepState]:
        report = Executor(self.zuora, self.ledger, profile="p", run_id=run_id).run(plan)
        return {step_id: result.state for step_id, result in report.steps.items()}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resync]:
    with both_sandboxes(tmp_path_factory.mktemp("resync")) as both:
        salesforce, zuora = both.salesforce, both.zuora
        env = Resync(
            salesforce,
            zuora,
            both.ledger,
            plan_sync(salesforce, zuora, profile="p", scope=UnsyncedScope(), options=ConnectorOptions()),
        )
        states = env.run(env.first, "run-1")
        assert set(states.values()) == {StepState.CREATED}
        yield env


def _zuora_contacts(zuora: ZuoraClient, account_id: str) -> list[dict[str, Any]]:
    body = zuora.get("/object-query/contacts", params={"filter[]": [f"accountid.EQ:{account_id}"]}).body
    return list(body.get("data") or [])


def _account_with_address_contact(env: Resync) -> tuple[dict[str, Any], dict[str, Any]]:
    """A synced account whose Zuora Bill To is built from its billing address, and that Zuora account."""
    for step in env.first.steps:
        account_id = step.record.id if step.kind is StepKind.CREATE_ACCOUNT else None
        new_account = step.request.body.get("newAccount") if step.kind is StepKind.CREATE_ORDER else None
        crm_id = account_id or (new_account or {}).get("crmId")
        if not crm_id:
            continue
        rows = env.zuora.get("/object-query/accounts", params={"filter[]": [f"crmid.EQ:{crm_id}"]}).body["data"]
        bill_to = next(c for c in _zuora_contacts(env.zuora, rows[0]["id"]) if c["id"] == rows[0]["billToId"])
        if str(bill_to.get("firstName")).endswith("_billTo") and not bill_to.get("crmOrderId__c"):
            return {"Id": crm_id}, rows[0]
    raise AssertionError("no synced account has a Bill To built from its billing address")


def test_other_contacts_created_once_edits_become_exact_updates_and_a_third_plan_writes_nothing(
    synced: Resync,
) -> None:
    env = synced
    others = [s for s in env.first.steps_of(StepKind.CREATE_CONTACT) if " of account " in s.reason]
    assert others, "the generated accounts have contacts beyond their Bill To / Sold To"
    for step in others:
        assert step.request.body["crmId__c"] == step.record.id
        found = env.zuora.get("/object-query/contacts", params={"filter[]": [f"crmId__c.EQ:{step.record.id}"]}).body[
            "data"
        ]
        assert len(found) == 1

    account, zuora_account = _account_with_address_contact(env)
    contact_step = next(s for s in env.first.steps_of(StepKind.CREATE_CONTACT) if s.record.object == "Contact")
    contact_id = contact_step.record.id
    query = {"filter[]": [f"crmId__c.EQ:{contact_id}"]}
    zuora_contact = env.zuora.get("/object-query/contacts", params=query).body["data"][0]
    contact_zuora_id = zuora_contact["id"]
    bill_to = next(c for c in _zuora_contacts(env.zuora, zuora_account["id"]) if c["id"] == zuora_account["billToId"])
    old_name = zuora_account["name"]
    env.salesforce.call(lambda sf: sf.Account.update(account["Id"], {"Name": "Renamed Ltd", "BillingCity": "Utrecht"}))
    env.salesforce.call(lambda sf: sf.Contact.update(contact_id, {"Email": "changed@example.com"}))

    second = env.plan()
    assert sorted(s.kind for s in second.steps) == [StepKind.UPDATE_ACCOUNT, StepKind.UPDATE_CONTACT]
    update = second.steps_of(StepKind.UPDATE_ACCOUNT)[0]
    assert update.request.method == "PUT"
    assert update.request.path == f"/v1/accounts/{zuora_account['accountNumber']}"
    assert update.request.body["name"] == "Renamed Ltd"
    assert update.request.body["billToContact"]["city"] == "Utrecht"
    assert set(update.request.body) <= {"name", "billToContact", "soldToContact"}
    assert f"name {old_name!r} → 'Renamed Ltd'" in update.reason
    assert f"billToContact.city {bill_to['city']!r} → 'Utrecht'" in update.reason
    contact_update = second.steps_of(StepKind.UPDATE_CONTACT)[0]
    assert contact_update.request.path == f"/v1/contacts/{contact_zuora_id}"
    assert contact_update.request.body == {"workEmail": "changed@example.com"}
    assert f"workEmail {zuora_contact['workEmail']!r} → 'changed@example.com'" in contact_update.reason
    models = strict_models()
    for step in second.steps:
        validate_request(models, step)

    assert set(env.run(second, "run-2").values()) == {StepState.UPDATED}
    read = env.zuora.get(f"/v1/accounts/{zuora_account['accountNumber']}").body
    assert read["basicInfo"]["name"] == "Renamed Ltd"
    assert read["billToContact"]["city"] == "Utrecht"
    assert env.zuora.get(f"/v1/contacts/{contact_zuora_id}").body["workEmail"] == "changed@example.com"

    third = env.plan()
    assert third.steps == []
