"""Applying mapping sections to records shaped like Salesforce REST query results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping import (
    DERIVATIONS,
    MappingError,
    MappingFile,
    MappingRow,
    MissingPathError,
    apply_rows,
    default_mapping,
    merge,
    source_fields,
    split_custom_fields,
)

DEFAULT = ConnectorOptions()


def _attrs(sobject: str, record_id: str) -> dict[str, Any]:
    return {"type": sobject, "url": f"/services/data/v59.0/sobjects/{sobject}/{record_id}"}


def account(**changes: Any) -> dict[str, Any]:
    record = {
        "attributes": _attrs("Account", "001000000000001AAA"),
        "Id": "001000000000001AAA",
        "Name": "Acme",
        "CurrencyIsoCode": "EUR",
        "Description": "Key account",
        "OwnerId": "005000000000001AAA",
        "ParentId": None,
        "BillingStreet": "1 Main St",
        "BillingCity": "Springfield",
        "BillingState": "IL",
        "BillingPostalCode": "62701",
        "BillingCountry": "United States",
        "ShippingStreet": None,
        "ShippingCity": None,
        "ShippingState": None,
        "ShippingPostalCode": None,
        "ShippingCountry": None,
    }
    record.update(changes)
    return record


def subscription(**changes: Any) -> dict[str, Any]:
    order = {
        "attributes": _attrs("Order", "801000000000001AAA"),
        "EffectiveDate": "2024-02-01",
        "CustomerAuthorizedDate": "2024-02-03",
        "CompanyAuthorizedDate": "2024-02-05",
        "CurrencyIsoCode": "EUR",
        "SBQQ__PaymentTerm__c": "Net 30",
        "SBQQ__Quote__r": {"attributes": _attrs("SBQQ__Quote__c", "a0q1"), "Name": "Q-00042", "SBQQ__Type__c": "Quote"},
    }
    record = {
        "attributes": _attrs("SBQQ__Subscription__c", "a1b000000000001AAA"),
        "Id": "a1b000000000001AAA",
        "Name": "SUB-0001",
        "SBQQ__StartDate__c": "2024-02-01",
        "SBQQ__EndDate__c": "2025-01-31",
        "SBQQ__SubscriptionType__c": "Renewable",
        "SBQQ__Contract__c": "800000000000001AAA",
        "SBQQ__Contract__r": {"attributes": _attrs("Contract", "800000000000001AAA"), "StartDate": "2024-01-15"},
        "SBQQ__NetPrice__c": 1200.0,
        "SBQQ__OrderProduct__r": {
            "attributes": _attrs("OrderItem", "802000000000001AAA"),
            "Quantity": 10.0,
            "OrderItemNumber": "0000000101",
            "Order": order,
        },
    }
    record.update(changes)
    return record


def order_item(**changes: Any) -> dict[str, Any]:
    record = {
        "attributes": _attrs("OrderItem", "802000000000009AAA"),
        "Id": "802000000000009AAA",
        "OrderId": "801000000000001AAA",
        "Product2Id": "01t000000000001AAA",
        "Product2": {
            "attributes": _attrs("Product2", "01t000000000001AAA"),
            "Name": "Onboarding",
            "ProductCode": "ONB",
        },
        "Quantity": 1.0,
        "UnitPrice": 1500.0,
        "Description": None,
        "Order": {
            "attributes": _attrs("Order", "801000000000001AAA"),
            "EffectiveDate": "2024-03-31",
            "ActivatedDate": "2024-03-31T23:30:00.000+0000",
        },
    }
    record.update(changes)
    return record


def _apply(pair_id: str, record: dict[str, Any], options: ConnectorOptions = DEFAULT, **kw: Any) -> dict[str, Any]:
    return apply_rows(default_mapping().rows(pair_id), record, pair_id=pair_id, options=options, **kw)


def _planner_free(pair_id: str) -> list[MappingRow]:
    """The default rows of a section minus those whose derived value the planner supplies."""
    return [
        row
        for row in default_mapping().rows(pair_id)
        if not (row.derivation and DERIVATIONS.get(row.derivation).provided_by_planner)  # type: ignore[union-attr]
    ]


def test_account_defaults_build_the_zuora_account_with_contacts_from_addresses() -> None:
    rows = _planner_free("Account->Account")
    mapped = apply_rows(rows, account(), pair_id="Account->Account", options=DEFAULT)
    assert mapped == {
        "name": "Acme",
        "crmId": "001000000000001AAA",
        "currency": "EUR",
        "billCycleDay": 1,
        "billToContact": {
            "firstName": "Acme_billTo",
            "lastName": "Acme_billTo",
            "address1": "1 Main St",
            "city": "Springfield",
            "state": "IL",
            "postalCode": "62701",
            "country": "United States",
        },
        # no shipping address: the Bill To contact is reused as Sold To
        "soldToContact": {
            "firstName": "Acme_billTo",
            "lastName": "Acme_billTo",
            "address1": "1 Main St",
            "city": "Springfield",
            "state": "IL",
            "postalCode": "62701",
            "country": "United States",
        },
        "notes": "Key account",
        "salesRep": "005000000000001AAA",
        "autoPay": False,
    }
    assert "accountNumber" not in mapped  # "not sent; Zuora generates it"


def test_shipping_address_gives_its_own_sold_to_contact_and_single_currency_orgs_omit_currency() -> None:
    record = account(ShippingStreet="9 Dock Rd", ShippingCity="Gary", ShippingState="IN", ShippingCountry="US")
    del record["CurrencyIsoCode"]  # not selected: the org is single-currency (optional row)
    mapped = apply_rows(_planner_free("Account->Account"), record, pair_id="Account->Account", options=DEFAULT)
    assert mapped["soldToContact"] == {
        "firstName": "Acme_soldTo",
        "lastName": "Acme_soldTo",
        "address1": "9 Dock Rd",
        "city": "Gary",
        "state": "IN",
        "country": "US",
    }
    assert "currency" not in mapped


def test_subscription_defaults_walk_nested_relationship_paths() -> None:
    mapped = apply_rows(
        _planner_free("SBQQ__Subscription__c->Subscription"),
        subscription(),
        pair_id="SBQQ__Subscription__c->Subscription",
        options=DEFAULT,
    )
    assert mapped == {
        "subscriptionNumber": "SUB-0001",
        "terms": {
            "initialTerm": {
                "termType": "TERMED",
                "startDate": "2024-02-01",
                "endDate": "2025-02-01",
                "period": 12,
                "periodType": "Month",
            },
            "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
            "renewalTerms": [{"period": 12, "periodType": "Month"}],
        },
        "triggerDates": {"ContractEffective": "2024-01-15"},
        "currency": "EUR",
        "paymentTerm": "Net 30",
        "quote": {"QuoteNumber__QT": "Q-00042", "QuoteBusinessType__QT": "Quote", "QuoteType__QT": "Quote"},
        "SFDC_Contract__c": "800000000000001AAA",
    }


def test_connector_options_switch_rows_on_and_off() -> None:
    options = ConnectorOptions(
        use_subscription_start_date=False, trigger_dates_on_order=True, subscription_term_in_days=True
    )
    record = subscription(SBQQ__EndDate__c="2024-12-31")
    mapped = apply_rows(
        _planner_free("SBQQ__Subscription__c->Subscription"),
        record,
        pair_id="SBQQ__Subscription__c->Subscription",
        options=options,
    )
    # contract start (Jan 15) to the day after the inclusive end date, in days
    assert mapped["terms"]["initialTerm"] == {
        "termType": "TERMED",
        "startDate": "2024-01-15",
        "endDate": "2025-01-01",
        "period": 352,
        "periodType": "Day",
    }
    assert mapped["triggerDates"] == {
        "ContractEffective": "2024-02-01",
        "CustomerAcceptance": "2024-02-03",
        "ServiceActivation": "2024-02-05",
    }


def test_evergreen_subscription_sends_no_term_length() -> None:
    record = subscription(SBQQ__SubscriptionType__c="Evergreen", SBQQ__EndDate__c=None)
    mapped = apply_rows(
        _planner_free("SBQQ__Subscription__c->Subscription"),
        record,
        pair_id="SBQQ__Subscription__c->Subscription",
        options=DEFAULT,
    )
    assert mapped["terms"] == {
        "initialTerm": {"termType": "EVERGREEN", "startDate": "2024-02-01"},
        "renewalSetting": "RENEW_TO_EVERGREEN",
    }


def test_an_empty_lookup_leaves_its_targets_out() -> None:
    record = subscription()
    record["SBQQ__OrderProduct__r"]["Order"]["SBQQ__Quote__r"] = None
    mapped = apply_rows(
        _planner_free("SBQQ__Subscription__c->Subscription"),
        record,
        pair_id="SBQQ__Subscription__c->Subscription",
        options=DEFAULT,
    )
    assert "quote" not in mapped


def test_list_price_base_rows_apply_only_with_the_option() -> None:
    rows = _planner_free("SBQQ__Subscription__c->SubscriptionRatePlanCharge")
    pair_id = "SBQQ__Subscription__c->SubscriptionRatePlanCharge"
    plain = apply_rows(rows, subscription(), pair_id=pair_id, options=DEFAULT)
    assert plain == {"price": 1200.0, "quantity": 10.0, "chargeNumber": "0000000101"}
    lpb = apply_rows(rows, subscription(), pair_id=pair_id, options=ConnectorOptions(use_list_price_base=True))
    assert lpb == {
        **plain,
        "billCycleType": "ChargeTriggerDay",
        "listPriceBase": "Per_Specific_Months",
        "specificListPriceBase": 12,
    }
    with pytest.raises(MappingError, match="not a whole number of months"):
        apply_rows(
            rows,
            subscription(SBQQ__EndDate__c="2024-12-15"),
            pair_id=pair_id,
            options=ConnectorOptions(use_list_price_base=True),
        )


def test_value_maps_translate_picklists_with_blank_default_and_unmatched_rules() -> None:
    pair_id = "Product2->ProductRatePlanCharge"
    rows = [r for r in default_mapping().rows(pair_id) if r.target in ("BillingPeriod", "ChargeType", "ChargeModel")]
    base = {"attributes": _attrs("Product2", "01t1"), "SBQQ__PricingMethod__c": "List", "SBQQ__ChargeType__c": None}
    cases = {
        "Quarterly": "Quarter",
        "Semiannual": "Semi-Annual",
        "Invoice Plan": "Subscription Term",
        None: "Month",  # blank -> Month
        "Two Years": "Two Years",  # others by name
    }
    for frequency, period in cases.items():
        mapped = apply_rows(rows, {**base, "SBQQ__BillingFrequency__c": frequency}, pair_id=pair_id, options=DEFAULT)
        assert mapped == {"ChargeModel": "Per Unit Pricing", "ChargeType": "OneTime", "BillingPeriod": period}
    with pytest.raises(MappingError) as caught:
        apply_rows(
            rows,
            {**base, "SBQQ__BillingFrequency__c": "Monthly", "SBQQ__ChargeType__c": "Subscription"},
            pair_id=pair_id,
            options=DEFAULT,
        )
    message = str(caught.value)
    assert "Product2 → Zuora Product Rate Plan Charge row 'ChargeType'" in message
    assert "'Subscription'" in message
    assert "Add it to the value map" in message


@pytest.fixture(params=["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "America/Los_Angeles"])
def machine_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run under a far-apart machine time zone (UTC+14, UTC-11 …)."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_dates_reach_zuora_unchanged_whatever_the_machine_time_zone(machine_tz: str) -> None:
    rows = [
        *_planner_free("OrderItem->OrderLineItem"),
        MappingRow(target="Activated__c", source="Order.ActivatedDate", date_format="%Y-%m-%d"),
        MappingRow(target="Effective__c", source="Order.EffectiveDate", date_format="%d/%m/%Y"),
    ]
    mapped = apply_rows(rows, order_item(), pair_id="OrderItem->OrderLineItem", options=DEFAULT)
    assert mapped["transactionStartDate"] == "2024-03-31", machine_tz
    assert mapped["transactionEndDate"] == "2024-03-31"
    assert mapped["billTargetDate"] == "2024-03-31"  # the activation time-stamp's own (UTC) date
    assert mapped["Activated__c"] == "2024-03-31"
    assert mapped["Effective__c"] == "31/03/2024"


def test_order_line_item_defaults_with_planner_supplied_values() -> None:
    derivations = DERIVATIONS.provide(
        product_rate_plan_charge_id=lambda record, ctx: f"prpc-for-{record['Product2Id']}",
        order_line_item_invoice_owner_account_number=lambda record, ctx: None,
        order_line_item_owner_account_number=lambda record, ctx: None,
        bill_to_contact_id=lambda record, ctx: "2c9-billto",
        sold_to_contact_id=lambda record, ctx: "2c9-soldto",
    )
    mapped = _apply("OrderItem->OrderLineItem", order_item(), derivations=derivations)
    assert mapped == {
        "itemName": "Onboarding",
        "itemState": "SentToBilling",
        "quantity": 1.0,
        "productCode": "ONB",
        "productRatePlanChargeId": "prpc-for-01t000000000001AAA",
        "transactionStartDate": "2024-03-31",
        "transactionEndDate": "2024-03-31",
        "itemType": "Product",
        "purchaseOrderNumber": "801000000000001AAA",
        "itemCategory": "Sales",
        "billTargetDate": "2024-03-31",
        "listPricePerUnit": 1500.0,
        "amountPerUnit": 1500.0,
        "billTo": "2c9-billto",
        "soldTo": "2c9-soldto",
    }


def test_a_planner_derivation_without_its_function_says_so() -> None:
    with pytest.raises(MappingError, match=r"derived:product_rate_plan_charge_id is computed while planning"):
        _apply("OrderItem->OrderLineItem", order_item())


def test_a_path_the_extraction_did_not_select_is_a_precise_error() -> None:
    record = order_item()
    del record["Product2"]
    with pytest.raises(MissingPathError) as caught:
        apply_rows(
            _planner_free("OrderItem->OrderLineItem"), record, pair_id="OrderItem->OrderLineItem", options=DEFAULT
        )
    assert caught.value.missing == "Product2"
    assert caught.value.path == "Product2.Name"
    message = str(caught.value)
    assert "row 'itemName' ← Product2.Name" in message
    assert "OrderItem 802000000000009AAA has no 'Product2'" in message
    assert "did not select it" in message


def test_walking_through_a_plain_field_is_an_error_naming_the_row() -> None:
    row = MappingRow(target="Region__c", source="OrderId.Name")
    with pytest.raises(MappingError, match=r"walks through 'OrderId', which on OrderItem \S+ is a field"):
        apply_rows([row], order_item(), pair_id="OrderItem->OrderLineItem", options=DEFAULT)


def test_admin_rows_override_defaults_add_custom_fields_nested_targets_and_price() -> None:
    overrides = MappingFile.model_validate(
        {
            "schema_version": 1,
            "sections": {
                "Account->Account": [
                    {"target": "taxInfo/VATId", "source": "VAT_Number__c"},
                    {"target": "Region__c", "source": "Owner.UserRole.Name"},
                    {"target": "billCycleDay", "source": "Billing_Day__c", "default": 1},
                ],
                "SBQQ__Subscription__c->SubscriptionRatePlanCharge": [
                    {"target": "price", "source": "Per_Period_Price__c", "fallback": "SBQQ__NetPrice__c"},
                    {
                        "target": "billingPeriod",
                        "source": "SBQQ__BillingFrequency__c",
                        "value_map": {"values": {"Monthly": "Month", "Invoice Plan": "Subscription_Term"}},
                    },
                ],
            },
        }
    )
    merged = merge(overrides)
    record = account(VAT_Number__c="DE123", Billing_Day__c=None, Owner={"UserRole": {"Name": "EMEA"}})
    rows = [e.row for e in merged.entries("Account->Account") if e.row.derivation is None]
    mapped = apply_rows(rows, record, pair_id="Account->Account", options=DEFAULT)
    assert mapped["taxInfo"] == {"VATId": "DE123"}
    assert mapped["billCycleDay"] == 1
    standard, custom = split_custom_fields(mapped)
    assert custom == {"Region__c": "EMEA"}
    assert "Region__c" not in standard
    assert standard["name"] == "Acme"

    pair_id = "SBQQ__Subscription__c->SubscriptionRatePlanCharge"
    rows = merged.rows(pair_id, DEFAULT)
    with_price = apply_rows(
        rows,
        subscription(Per_Period_Price__c=100.0, SBQQ__BillingFrequency__c="Monthly"),
        pair_id=pair_id,
        options=DEFAULT,
    )
    assert with_price["price"] == 100.0
    assert with_price["billingPeriod"] == "Month"
    blank_price = apply_rows(
        rows,
        subscription(Per_Period_Price__c=None, SBQQ__BillingFrequency__c="Invoice Plan"),
        pair_id=pair_id,
        options=DEFAULT,
    )
    assert blank_price["price"] == 1200.0  # falls back to the net price (connector-spec §5.1)
    assert blank_price["billingPeriod"] == "Subscription_Term"


def test_source_fields_list_what_extraction_must_select() -> None:
    fields = source_fields(default_mapping().rows("OrderItem->OrderLineItem"), options=DEFAULT)
    assert {
        "Product2.Name",
        "Product2.ProductCode",
        "Quantity",
        "Order.EffectiveDate",
        "Order.ActivatedDate",
        "Product2Id",
        "UnitPrice",
    } <= fields.required
    assert "Order.InvoiceOwner__c" in fields.optional
    sub = source_fields(default_mapping().rows("SBQQ__Subscription__c->Subscription"), options=DEFAULT)
    assert "SBQQ__OrderProduct__r.Order.CurrencyIsoCode" in sub.optional
    assert "SBQQ__OrderProduct__r.Order.CustomerAuthorizedDate" not in sub.required  # trigger dates on order is off


def test_long_account_names_are_clipped_to_zuoras_contact_name_limit() -> None:
    mapped = apply_rows(
        _planner_free("Account->Account"), account(Name="A" * 255), pair_id="Account->Account", options=DEFAULT
    )
    first_name = mapped["billToContact"]["firstName"]
    assert len(first_name) == 100
    assert first_name.endswith("A_billTo")


def test_contacts_without_a_first_name_take_their_last_name() -> None:
    contact = {
        "attributes": _attrs("Contact", "003000000000001AAA"),
        "Id": "003000000000001AAA",
        "FirstName": None,
        "LastName": "Okafor",
        "MailingStreet": "5 Rue X",
        "MailingCity": "Lyon",
        "MailingState": None,
        "MailingPostalCode": "69001",
        "MailingCountry": "France",
        "Email": "o@example.com",
        "MobilePhone": None,
    }
    mapped = apply_rows(
        default_mapping().rows("Contact->Contact"), contact, pair_id="Contact->Contact", options=DEFAULT
    )
    assert mapped == {
        "crmId__c": "003000000000001AAA",
        "firstName": "Okafor",
        "lastName": "Okafor",
        "address1": "5 Rue X",
        "city": "Lyon",
        "postalCode": "69001",
        "country": "France",
        "workEmail": "o@example.com",
    }


def test_without_a_contract_the_dates_fall_back_to_the_subscription_and_order() -> None:
    record = subscription(SBQQ__Contract__c=None, SBQQ__Contract__r=None)
    mapped = apply_rows(
        _planner_free("SBQQ__Subscription__c->Subscription"),
        record,
        pair_id="SBQQ__Subscription__c->Subscription",
        options=ConnectorOptions(use_subscription_start_date=False),
    )
    assert mapped["terms"]["initialTerm"]["startDate"] == "2024-02-01"
    assert mapped["terms"]["initialTerm"]["period"] == 12
    assert mapped["triggerDates"] == {"ContractEffective": "2024-02-01"}
    assert "SFDC_Contract__c" not in mapped
