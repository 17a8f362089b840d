"""The org store: ids and checksums, case-insensitive names, persistence, custom fields, describe, and bad input
answered with the real error codes while the data stays intact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce import ids
from cpq_desktop.sandbox.salesforce.describe import describe_global, describe_sobject
from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.schema import FieldDef
from cpq_desktop.sandbox.salesforce.store import OrgStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[OrgStore]:
    with OrgStore(tmp_path / "org.db", clock=clock) as org:
        yield org


def error_of(call: Any, *args: Any, **kwargs: Any) -> SalesforceApiError:
    with pytest.raises(SalesforceApiError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- ids --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
        ("001M000000qfPyS", "001M000000qfPySIAU"),
        ("aBcDEfgHIJKLMNO", "aBcDEfgHIJKLMNO025"),
        ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
    ],
)
def test_checksum_matches_published_vectors(id15: str, id18: str) -> None:
    assert ids.to18(id15) == id18
    assert ids.is_valid(id15)
    assert ids.is_valid(id18)
    assert ids.is_valid(id18[:15] + id18[15:].lower())
    assert ids.normalize(id15) == id18


@pytest.mark.parametrize("bad", ["", "001", "001M000000qfPyS!", "001M000000qfPySIAA", "001M000000qfPyS1", 42, None])
def test_malformed_ids_are_rejected(bad: object) -> None:
    assert not ids.is_valid(bad)
    assert ids.normalize(bad) is None


def test_generated_ids_are_valid_and_sort_in_creation_order() -> None:
    made = [ids.make_id("801", n) for n in (1, 61, 62, 63, 3843, 3844, 10**6)]
    assert all(ids.is_valid(i) and len(i) == 18 and i.startswith("801") for i in made)
    assert [i[:15] for i in made] == sorted(i[:15] for i in made)


def test_records_get_18_character_ids_with_the_object_key_prefix(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    quote = store.insert("SBQQ__Quote__c", {"SBQQ__Account__c": account})
    assert (account[:3], order[:3]) == ("001", "801")
    assert quote[:3] == store.schema.get("SBQQ__Quote__c").key_prefix  # type: ignore[union-attr]
    assert quote.startswith("a")
    assert all(ids.is_valid(i) and len(i) == 18 for i in (account, order, quote))


def test_organization_and_integration_user_exist_from_the_start(store: OrgStore) -> None:
    [org] = store.query("SELECT Id, Name, IsSandbox FROM Organization").records
    assert org["Id"] == store.organization_id
    assert org["Id"].startswith("00D")
    [user] = store.query("SELECT Id, Name FROM User").records
    assert (user["Id"], user["Name"]) == (store.default_user_id, "Integration User")
    account = store.insert("Account", {"Name": "Acme"})
    owner = store.query(f"SELECT Owner.Name, CreatedBy.Name FROM Account WHERE Id = '{account}'").records[0]
    assert owner["Owner"]["Name"] == owner["CreatedBy"]["Name"] == "Integration User"


# --- CRUD and names ---------------------------------------------------------------------------------------------


def test_names_are_case_insensitive_and_answers_use_describe_casing(store: OrgStore) -> None:
    account = store.insert("aCCOUNT", {"name": "Acme", "BILLINGCITY": "Paris"})
    record = store.get("account", account, fields=["NAME", "billingcity"])
    assert record == {
        "attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{account}"},
        "Name": "Acme",
        "BillingCity": "Paris",
    }
    store.update("ACCOUNT", account, {"billingCITY": "Lyon"})
    assert store.get("Account", account)["BillingCity"] == "Lyon"


def test_fifteen_character_ids_are_accepted_everywhere(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    short = account[:15]
    assert store.get("Account", short)["Id"] == account
    contact = store.insert("Contact", {"LastName": "Lee", "AccountId": short})
    assert store.get("Contact", contact)["AccountId"] == account
    store.update("Account", short, {"Phone": "123"})
    store.delete("Contact", contact[:15])
    assert not store.exists("Contact", contact)


def test_get_returns_every_field_in_describe_order_with_nulls(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    record = store.get("Account", account)
    assert list(record) == ["attributes", *(f.name for f in store.schema.get("Account").iter_fields())]  # type: ignore[union-attr]
    assert record["Phone"] is None
    assert record["IsDeleted"] is False
    assert record["CreatedDate"] == "2024-03-01T08:00:00.000+0000"


def test_update_moves_last_modified_and_system_modstamp(store: OrgStore, clock: Clock) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    clock.now += timedelta(hours=2)
    store.update("Account", account, {"Name": "Acme 2"})
    record = store.get("Account", account, ["CreatedDate", "LastModifiedDate", "SystemModstamp", "Name"])
    assert record["CreatedDate"] == "2024-03-01T08:00:00.000+0000"
    assert record["LastModifiedDate"] == record["SystemModstamp"] == "2024-03-01T10:00:00.000+0000"
    assert record["Name"] == "Acme 2"


def test_derived_fields_follow_their_sources(store: OrgStore) -> None:
    contact = store.insert("Contact", {"FirstName": "Ann", "LastName": "Lee"})
    assert store.get("Contact", contact)["Name"] == "Ann Lee"
    store.update("Contact", contact, {"LastName": "Smith"})
    assert store.get("Contact", contact)["Name"] == "Ann Smith"
    account = store.insert("Account", {"Name": "Acme"})
    product = store.insert("Product2", {"Name": "Seats", "ProductCode": "SKU-1"})
    book = store.insert("Pricebook2", {"Name": "Standard"})
    entry = store.insert("PricebookEntry", {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 12})
    assert store.get("PricebookEntry", entry, ["Name", "ProductCode"])["Name"] == "Seats"
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    item = store.insert("OrderItem", {"OrderId": order, "PricebookEntryId": entry, "Quantity": 3, "UnitPrice": 10})
    got = store.get("OrderItem", item, ["Product2Id", "ListPrice", "TotalPrice", "OrderItemNumber"])
    assert got["Product2Id"] == product
    assert (got["ListPrice"], got["TotalPrice"]) == (12.0, 30.0)
    store.update("OrderItem", item, {"Quantity": -1})
    assert store.get("OrderItem", item, ["TotalPrice"])["TotalPrice"] == -10.0
    assert store.get("Order", order, ["OrderNumber"])["OrderNumber"] == "00000001"


def test_roll_up_fields_follow_api_writes_and_bump_the_parent(store: OrgStore, clock: Clock) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    product = store.insert("Product2", {"Name": "Seats"})
    book = store.insert("Pricebook2", {"Name": "Standard"})
    entry = store.insert("PricebookEntry", {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 1})
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    line = {"OrderId": order, "PricebookEntryId": entry}
    first = store.insert("OrderItem", {**line, "Quantity": 2, "UnitPrice": 5})
    second = store.insert("OrderItem", {**line, "Quantity": 1, "UnitPrice": 7.5})
    assert store.get("Order", order, ["TotalAmount"])["TotalAmount"] == 17.5
    clock.now += timedelta(minutes=5)
    store.update("OrderItem", first, {"Quantity": -1})
    record = store.get("Order", order, ["TotalAmount", "SystemModstamp"])
    assert (record["TotalAmount"], record["SystemModstamp"]) == (2.5, "2024-03-01T08:05:00.000+0000")
    store.delete("OrderItem", second)
    assert store.get("Order", order, ["TotalAmount"])["TotalAmount"] == -5.0
    schedule = store.insert(
        "ConsumptionSchedule", {"Name": "Tiers", "Type": "Range", "BillingTerm": 1, "BillingTermUnit": "Month"}
    )
    for bound in (0, 100):
        rate = {"LowerBound": bound, "Price": 1, "PricingMethod": "PerUnit", "ProcessingOrder": 1 + bound}
        store.insert("ConsumptionRate", {"ConsumptionScheduleId": schedule, **rate})
    assert store.get("ConsumptionSchedule", schedule, ["NumberOfRates"])["NumberOfRates"] == 2
    bulk_order = store.insert_many("Order", [{"AccountId": account, "EffectiveDate": "2024-01-01", "TotalAmount": 9}])
    store.insert_many(
        "OrderItem", [{"OrderId": bulk_order[0], "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 1}]
    )
    assert store.get("Order", bulk_order[0], ["TotalAmount"])["TotalAmount"] == 9.0


def test_delete_is_soft_and_cascades_to_master_detail_children(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    product = store.insert("Product2", {"Name": "Seats"})
    book = store.insert("Pricebook2", {"Name": "Standard"})
    entry = store.insert("PricebookEntry", {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 1})
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    items = store.insert_many(
        "OrderItem", [{"OrderId": order, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 1}] * 3
    )
    store.delete("Order", order)
    assert error_of(store.get, "Order", order).error_code == "ENTITY_IS_DELETED"
    assert error_of(store.update, "Order", order, {"Description": "x"}).error_code == "ENTITY_IS_DELETED"
    assert store.query("SELECT COUNT() FROM OrderItem").total_size == 0
    deleted = store.query("SELECT Id, IsDeleted FROM OrderItem ORDER BY Id", include_deleted=True).records
    assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(i, True) for i in items]
    assert store.exists("Account", account)


def test_find_ids_by_external_id_is_case_insensitive(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme", "Zuora_Account_Number__c": "A-0001"})
    store.insert("Account", {"Name": "Other", "Zuora_Account_Number__c": "A-0002"})
    assert store.find_ids_by_field("account", "zuora_account_number__c", "a-0001") == [account]
    assert store.find_ids_by_field("Account", "Zuora_Account_Number__c", "A-9999") == []


def test_insert_many_is_trusted_and_fast_for_the_generator(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    rows = [
        {"AccountId": account, "EffectiveDate": "2024-01-01", "CreatedDate": "2023-05-01T10:00:00Z", "TotalAmount": n}
        for n in range(5000)
    ]
    created = store.insert_many("Order", rows)
    assert len(set(created)) == 5000
    record = store.get("Order", created[-1], ["CreatedDate", "TotalAmount", "OrderNumber"])
    assert record == {
        "attributes": record["attributes"],
        "CreatedDate": "2023-05-01T10:00:00.000+0000",
        "TotalAmount": 4999.0,
        "OrderNumber": "00005000",
    }


def test_transaction_rolls_back_everything_on_error(store: OrgStore) -> None:
    store.insert("Account", {"Name": "Kept"})

    def three_inserts_the_last_invalid() -> None:
        with store.transaction():
            store.insert("Account", {"Name": "Rolled back"})
            store.insert("Account", {"Name": "Also rolled back"})
            store.insert("Account", {})

    assert error_of(three_inserts_the_last_invalid).error_code == "REQUIRED_FIELD_MISSING"
    assert [r["Name"] for r in store.query("SELECT Name FROM Account").records] == ["Kept"]
    assert ids.is_valid(store.insert("Account", {"Name": "After"}))


# --- persistence ------------------------------------------------------------------------------------------------


def test_data_custom_fields_and_prefixes_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "org.db"
    with OrgStore(path) as first:
        account = first.insert("Account", {"Name": "Acme"})
        quote = first.insert("SBQQ__Quote__c", {"SBQQ__Account__c": account})
        first.add_custom_field("Order", FieldDef("Zuora_Subscription_Number__c", "string", length=50))
        org_id = first.organization_id
    with OrgStore(path) as second:
        assert second.get("Account", account)["Name"] == "Acme"
        assert second.get("SBQQ__Quote__c", quote)["Id"] == quote
        assert second.schema.get("order").field("zuora_subscription_number__c") is not None  # type: ignore[union-attr]
        assert second.organization_id == org_id
        assert second.count("Organization") == 1
        newer = second.insert("Account", {"Name": "Beta"})
        assert newer != account
        assert second.insert("SBQQ__Quote__c", {})[:3] == quote[:3]


def test_currency_setting_is_fixed_when_the_org_is_created(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "org.db", multi_currency=False) as store:
        assert store.schema.get("Order").field("CurrencyIsoCode") is None  # type: ignore[union-attr]
    with OrgStore(tmp_path / "org.db", multi_currency=True) as store:
        assert not store.multi_currency
        assert store.schema.get("Order").field("CurrencyIsoCode") is None  # type: ignore[union-attr]


# --- custom fields ----------------------------------------------------------------------------------------------


def test_custom_field_shows_in_describe_soql_and_writes(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    stored = store.add_custom_field(
        "Account",
        FieldDef("Renewal_Owner__c", "reference", reference_to=("User",), relationship_name="Renewal_Owner__r"),
    )
    assert stored.custom
    store.update("Account", account, {"Renewal_Owner__c": store.default_user_id})
    [record] = store.query("SELECT Renewal_Owner__r.Name FROM Account").records
    assert record["Renewal_Owner__r"]["Name"] == "Integration User"
    fields = {f["name"]: f for f in describe_sobject(store.schema, "Account")["fields"]}
    assert fields["Renewal_Owner__c"]["custom"] is True
    assert fields["Renewal_Owner__c"]["referenceTo"] == ["User"]


@pytest.mark.parametrize(
    ("sobject", "fdef", "code"),
    [
        ("Account", FieldDef("Name", "string"), "INVALID_FIELD"),
        ("Account", FieldDef("Bad Name__c", "string"), "INVALID_FIELD"),
        ("Account", FieldDef("Zuora_Account_Number__c", "string"), "DUPLICATE_DEVELOPER_NAME"),
        ("Account", FieldDef("Link__c", "reference", reference_to=("Nope__c",)), "INVALID_TYPE"),
        ("Nope__c", FieldDef("X__c", "string"), "NOT_FOUND"),
    ],
)
def test_bad_custom_fields_are_refused(store: OrgStore, sobject: str, fdef: FieldDef, code: str) -> None:
    assert error_of(store.add_custom_field, sobject, fdef).error_code == code
    assert store.query("SELECT COUNT() FROM Account").total_size == 0
    assert len(describe_sobject(store.schema, "Account")["fields"]) == len(
        store.schema.get("Account").fields  # type: ignore[union-attr]
    )


# --- bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "status", "code", "fields"),
    [
        ({"Name": "x", "Nope__c": 1}, 400, "INVALID_FIELD", ["Nope__c"]),
        ({"Name": "x", "Id": "001000000000000AAA"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"]),
        ({"Name": "x", "CreatedDate": "2024-01-01T00:00:00Z"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"]),
        ({}, 400, "REQUIRED_FIELD_MISSING", ["Name"]),
        ({"Name": None}, 400, "REQUIRED_FIELD_MISSING", ["Name"]),
        ({"Name": ""}, 400, "REQUIRED_FIELD_MISSING", ["Name"]),
        ({"Name": "x" * 256}, 400, "STRING_TOO_LONG", ["Name"]),
        ({"Name": ["x"]}, 400, "JSON_PARSER_ERROR", ["Name"]),
        ({"Name": {"x": 1}}, 400, "JSON_PARSER_ERROR", ["Name"]),
        ({"Name": "x", "Zuora_Sync_Time__c": "yesterday"}, 400, "JSON_PARSER_ERROR", ["Zuora_Sync_Time__c"]),
        ({"Name": "x", "ParentId": "not-an-id"}, 400, "MALFORMED_ID", ["ParentId"]),
        ({"Name": "x", "AnnualRevenue__c": 1}, 400, "INVALID_FIELD", ["AnnualRevenue__c"]),
        ({"Name": "x", "ParentId": "801000000000000AAA"}, 400, "FIELD_INTEGRITY_EXCEPTION", ["ParentId"]),
        ({"Name": "x", "ParentId": "0018d00000000ZZAAA"[:15]}, 400, "INVALID_CROSS_REFERENCE_KEY", ["ParentId"]),
    ],
)
def test_bad_account_inserts_fail_alone(
    store: OrgStore, values: dict[str, Any], status: int, code: str, fields: list[str]
) -> None:
    store.insert("Account", {"Name": "Kept"})
    error = error_of(store.insert, "Account", values)
    assert (error.status, error.error_code, error.fields) == (status, code, fields)
    assert error.body() == [{"message": error.message, "errorCode": code, "fields": fields}]
    assert [r["Name"] for r in store.query("SELECT Name FROM Account").records] == ["Kept"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Quantity", "many"),
        ("Quantity", True),
        ("Quantity", float("nan")),
        ("ServiceDate", "2024-13-01"),
        ("SBQQ__Activated__c", "yes"),
        ("SBQQ__SubscriptionTerm__c", [12]),
    ],
)
def test_wrong_types_are_json_parser_errors(store: OrgStore, field: str, value: object) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    item_values = {"OrderId": order, "PricebookEntryId": "01u8d0000000001AAA", "Quantity": 1, "UnitPrice": 1}
    error = error_of(store.insert_many, "OrderItem", [{**item_values, field: value}])
    assert (error.status, error.error_code, error.fields) == (400, "JSON_PARSER_ERROR", [field])
    assert field in error.message
    assert store.count("OrderItem") == 0


@pytest.mark.parametrize(
    ("sobject", "values", "code"),
    [
        ("Contract", {"ContractTerm": 10**30}, "JSON_PARSER_ERROR"),
        ("Contract", {"ContractTerm": 2**31}, "JSON_PARSER_ERROR"),
        ("Contract", {"ContractTerm": 1.5}, "JSON_PARSER_ERROR"),
        ("Contract", {"SBQQ__RenewalUpliftRate__c": 1e6}, "NUMBER_OUTSIDE_VALID_RANGE"),
        ("Opportunity", {"Amount": 1e17}, "NUMBER_OUTSIDE_VALID_RANGE"),
    ],
)
def test_numbers_out_of_the_field_range_are_refused(
    store: OrgStore, sobject: str, values: dict[str, Any], code: str
) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    required = {
        "Contract": {"AccountId": account},
        "Opportunity": {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-01-01"},
    }[sobject]
    error = error_of(store.insert, sobject, {**required, **values})
    assert (error.status, error.error_code, error.fields) == (400, code, list(values))
    assert store.count(sobject) == 0
    assert store.insert(sobject, {**required, next(iter(values)): 12})


def test_values_are_coerced_like_the_api_does(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    order = store.insert(
        "Order",
        {
            "AccountId": account,
            "EffectiveDate": "2024-01-31",
            "ActivatedDate": "2024-01-31T10:00:00+02:00",
            "SBQQ__RenewalTerm__c": "12",
            "SBQQ__Contracted__c": "true",
        },
    )
    assert store.get("Account", store.insert("Account", {"Name": 42}))["Name"] == "42"
    cleared = store.insert("Account", {"Name": "Acme", "Phone": "123", "Zuora_Sync_Time__c": "2024-01-01T00:00:00Z"})
    store.update("Account", cleared, {"Phone": "", "Zuora_Sync_Time__c": ""})
    assert store.get("Account", cleared, ["Phone", "Zuora_Sync_Time__c"]) | {"attributes": None} == {
        "attributes": None,
        "Phone": None,
        "Zuora_Sync_Time__c": None,
    }
    record = store.get("Order", order, ["ActivatedDate", "SBQQ__RenewalTerm__c", "SBQQ__Contracted__c"])
    assert record["ActivatedDate"] == "2024-01-31T08:00:00.000+0000"
    assert record["SBQQ__RenewalTerm__c"] == 12.0
    assert record["SBQQ__Contracted__c"] is True


@pytest.mark.parametrize(
    ("sobject", "record_id", "status", "code"),
    [
        ("Nope__c", "001000000000000AAA", 404, "NOT_FOUND"),
        ("Account", "garbage", 404, "NOT_FOUND"),
        ("Account", "0018d0000000999AAA", 404, "NOT_FOUND"),
        ("Account", "8018d0000000001AAA", 400, "MALFORMED_ID"),
    ],
)
def test_get_with_bad_object_or_id(store: OrgStore, sobject: str, record_id: str, status: int, code: str) -> None:
    error = error_of(store.get, sobject, record_id)
    assert (error.status, error.error_code) == (status, code)


def test_updates_refuse_read_only_fields_and_keep_the_record(store: OrgStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    order = store.insert("Order", {"AccountId": account, "EffectiveDate": "2024-01-01"})
    for values, code in (
        ({"OrderNumber": "1"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"EffectiveDate": None}, "REQUIRED_FIELD_MISSING"),
        ({"Description": "ok", "Nope": 1}, "INVALID_FIELD"),
    ):
        assert error_of(store.update, "Order", order, values).error_code == code
    record = store.get("Order", order, ["EffectiveDate", "Description", "OrderNumber"])
    assert (record["EffectiveDate"], record["Description"], record["OrderNumber"]) == ("2024-01-01", None, "00000001")


# --- describe ---------------------------------------------------------------------------------------------------

FIELD_KEYS = {
    "aggregatable", "autoNumber", "byteLength", "calculated", "calculatedFormula", "cascadeDelete", "caseSensitive",
    "compoundFieldName", "controllerName", "createable", "custom", "defaultValue", "defaultValueFormula",
    "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden", "digits", "displayLocationInDecimal",
    "encrypted", "externalId", "extraTypeInfo", "filterable", "filteredLookupInfo", "groupable", "highScaleNumber",
    "htmlFormatted", "idLookup", "inlineHelpText", "label", "length", "mask", "maskType", "name", "nameField",
    "namePointing", "nillable", "permissionable", "picklistValues", "polymorphicForeignKey", "precision",
    "queryByDistance", "referenceTargetField", "referenceTo", "relationshipName", "relationshipOrder",
    "restrictedDelete", "restrictedPicklist", "scale", "searchPrefilterable", "soapType", "sortable", "type", "unique",
    "updateable", "writeRequiresMasterRead",
}  # fmt: skip
GLOBAL_KEYS = {
    "name", "label", "labelPlural", "keyPrefix", "custom", "customSetting", "queryable", "createable", "updateable",
    "deletable", "undeletable", "searchable", "layoutable", "mergeable", "replicateable", "retrieveable", "triggerable",
    "feedEnabled", "mruEnabled", "activateable", "deprecatedAndHidden", "hasSubtypes", "isSubtype", "isInterface",
    "idEnabled", "deepCloneable", "urls",
}  # fmt: skip


def test_describe_global_lists_every_object_with_prefix_and_urls(store: OrgStore) -> None:
    body = describe_global(store.schema)
    assert (body["encoding"], body["maxBatchSize"]) == ("UTF-8", 200)
    by_name = {o["name"]: o for o in body["sobjects"]}
    assert {
        "Organization", "User", "Account", "Contact", "Opportunity", "Pricebook2", "PricebookEntry", "Product2",
        "SBQQ__Quote__c", "SBQQ__QuoteLine__c", "Order", "OrderItem", "Contract", "SBQQ__Subscription__c",
        "ConsumptionSchedule", "ConsumptionRate", "ProductConsumptionSchedule",
        "SBQQ__OrderItemConsumptionSchedule__c", "SBQQ__OrderItemConsumptionRate__c",
    } <= set(by_name)  # fmt: skip
    for entry in body["sobjects"]:
        assert set(entry) >= GLOBAL_KEYS
    assert by_name["Order"]["keyPrefix"] == "801"
    assert by_name["SBQQ__Quote__c"]["custom"] is True
    assert by_name["Order"]["urls"] == {
        "sobject": "/services/data/v59.0/sobjects/Order",
        "describe": "/services/data/v59.0/sobjects/Order/describe",
        "rowTemplate": "/services/data/v59.0/sobjects/Order/{ID}",
    }
    prefixes = [o["keyPrefix"] for o in body["sobjects"]]
    assert len(prefixes) == len(set(prefixes))


def test_describe_sobject_fields_picklists_and_relationships(store: OrgStore) -> None:
    body = describe_sobject(store.schema, "orderitem")
    assert body["name"] == "OrderItem"
    fields = {f["name"]: f for f in body["fields"]}
    for entry in body["fields"]:
        assert set(entry) >= FIELD_KEYS
    assert fields["OrderId"]["type"] == "reference"
    assert fields["OrderId"]["referenceTo"] == ["Order"]
    assert fields["OrderId"]["relationshipName"] == "Order"
    assert fields["Quantity"]["type"] == "double"
    assert fields["UnitPrice"]["type"] == "currency"
    assert (fields["UnitPrice"]["precision"], fields["UnitPrice"]["scale"]) == (18, 2)
    assert [v["value"] for v in fields["SBQQ__ChargeType__c"]["picklistValues"]] == ["One-Time", "Recurring", "Usage"]
    assert fields["SBQQ__RevisedOrderProduct__c"]["relationshipName"] == "SBQQ__RevisedOrderProduct__r"
    assert fields["Id"]["type"] == "id"
    assert fields["Id"]["soapType"] == "tns:ID"
    assert fields["Zuora_Status__c"]["custom"] is True
    order = describe_sobject(store.schema, "Order")
    children = {(c["childSObject"], c["field"]): c["relationshipName"] for c in order["childRelationships"]}
    assert children[("OrderItem", "OrderId")] == "OrderItems"
    contract = describe_sobject(store.schema, "Contract")
    assert {"childSObject": "SBQQ__Subscription__c", "field": "SBQQ__Contract__c"}.items() <= next(
        c for c in contract["childRelationships"] if c["relationshipName"] == "SBQQ__Subscriptions__r"
    ).items()


def test_every_child_relationship_name_is_unique_per_parent(store: OrgStore) -> None:
    for obj in store.schema:
        names = [r.relationship_name.lower() for r in store.schema.child_relationships(obj.name) if r.relationship_name]
        assert len(names) == len(set(names)), obj.name


def test_describe_unknown_object_is_not_found(store: OrgStore) -> None:
    error = error_of(describe_sobject, store.schema, "Nope__c")
    assert (error.status, error.error_code) == (404, "NOT_FOUND")


# --- concurrency ------------------------------------------------------------------------------------------------


def test_threads_can_write_and_query_at_the_same_time(store: OrgStore) -> None:
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(50):
                store.insert("Account", {"Name": f"T{n}-{i}"})
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            failures.append(exc)

    def reader() -> None:
        try:
            for _ in range(50):
                store.query("SELECT Id, Name, Owner.Name FROM Account ORDER BY Name LIMIT 20")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)] + [
        threading.Thread(target=reader) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert store.count("Account") == 150
