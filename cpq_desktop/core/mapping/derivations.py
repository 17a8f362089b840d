"""Values the connector computes rather than copies: one registry, each with a description for the UI.

A mapping row names one with ``"source": "derived:<name>"``. Every derivation declares the Salesforce
paths it reads (relative to its section's object) so extraction selects them and describe validation
checks them. Some are pure functions of the record and are implemented here; the others need Zuora
state or sibling records (the Zuora account number of a Salesforce account, the catalog charge of a
product, the tiers of a schedule) and are supplied by the planner with :meth:`DerivationRegistry.provide`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.mapping.records import MappingError, is_blank, parse_sf_date, record_label, resolve_path


@dataclass(frozen=True)
class DerivationContext:
    options: ConnectorOptions
    pair_id: str


DerivationFunc = Callable[[Mapping[str, Any], DerivationContext], Any]


@dataclass(frozen=True)
class Derivation:
    name: str
    description: str
    pairs: frozenset[str]
    reads: tuple[str, ...] = ()
    # paths read only when the org has them (custom lookups such as Order.InvoiceOwner__c)
    optional_reads: tuple[str, ...] = ()
    spec: str = ""
    func: DerivationFunc | None = field(default=None, compare=False)

    @property
    def provided_by_planner(self) -> bool:
        return self.func is None


class DerivationRegistry:
    """Immutable name -> :class:`Derivation` table; :meth:`provide` returns an extended copy."""

    def __init__(self, derivations: Mapping[str, Derivation]) -> None:
        self._derivations = dict(derivations)

    def __iter__(self) -> Iterator[Derivation]:
        return iter(self._derivations.values())

    def __contains__(self, name: object) -> bool:
        return name in self._derivations

    def get(self, name: str) -> Derivation | None:
        return self._derivations.get(name)

    def provide(self, **funcs: DerivationFunc) -> DerivationRegistry:
        """A copy where the named derivations compute with ``funcs`` (the planner's Zuora-aware ones)."""
        unknown = sorted(set(funcs) - set(self._derivations))
        if unknown:
            raise KeyError(f"no derivation named {', '.join(unknown)}; add it with register()")
        updated = dict(self._derivations)
        for name, func in funcs.items():
            updated[name] = replace(updated[name], func=func)
        return DerivationRegistry(updated)

    def register(self, derivation: Derivation) -> DerivationRegistry:
        """A copy with a new derivation (or a replaced one of the same name)."""
        return DerivationRegistry({**self._derivations, derivation.name: derivation})


# --- date arithmetic on Salesforce date-only values (no time zones anywhere) -----------------------


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end_exclusive: date) -> tuple[int, bool]:
    """Whole months from ``start`` up to ``end_exclusive``, and whether they fit exactly."""
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    while months > 0 and add_months(start, months) > end_exclusive:
        months -= 1
    return months, add_months(start, months) == end_exclusive


def _date_at(record: Mapping[str, Any], path: str) -> date | None:
    value = resolve_path(record, path)
    if is_blank(value):
        return None
    try:
        return parse_sf_date(str(value))
    except ValueError:
        raise MappingError(
            f"{record_label(record)}: '{path}' holds {value!r}, which is not a Salesforce date (YYYY-MM-DD)"
        ) from None


# --- subscription terms (connector-spec §2.4, §3.11, §3.12) ----------------------------------------

_SUB_START, _SUB_END, _CONTRACT_START, _SUB_TYPE = (
    "SBQQ__StartDate__c",
    "SBQQ__EndDate__c",
    "SBQQ__Contract__r.StartDate",
    "SBQQ__SubscriptionType__c",
)


def _is_evergreen(record: Mapping[str, Any]) -> bool:
    return str(resolve_path(record, _SUB_TYPE) or "").strip().casefold() == "evergreen"


def _term_start(record: Mapping[str, Any], options: ConnectorOptions) -> date | None:
    if options.use_subscription_start_date:
        return _date_at(record, _SUB_START)
    return _date_at(record, _CONTRACT_START) or _date_at(record, _SUB_START)


def _term(record: Mapping[str, Any], options: ConnectorOptions) -> tuple[int, str] | None:
    """(period, periodType) of a termed subscription; None for evergreen or missing dates."""
    if _is_evergreen(record):
        return None
    start, end = _term_start(record, options), _date_at(record, _SUB_END)
    if start is None or end is None:
        return None
    end_exclusive = end + timedelta(days=1)  # Salesforce end dates are inclusive
    if end_exclusive <= start:
        raise MappingError(
            f"{record_label(record)} ends ({end}) before it starts ({start}); "
            "fix the subscription's dates in Salesforce"
        )
    if options.subscription_term_in_days:
        return (end_exclusive - start).days, "Day"
    months, exact = whole_months(start, end_exclusive)
    # A partial month still has to be billed: round the term up (turn on 'Subscription term in days'
    # to send the exact length instead).
    return (months if exact else months + 1), "Month"


def _initial_term_period(record: Mapping[str, Any], ctx: DerivationContext) -> int | None:
    term = _term(record, ctx.options)
    return term[0] if term else None


def _initial_term_period_type(record: Mapping[str, Any], ctx: DerivationContext) -> str | None:
    term = _term(record, ctx.options)
    return term[1] if term else None


def _subscription_end_date(record: Mapping[str, Any], ctx: DerivationContext) -> str | None:
    if _is_evergreen(record):
        return None
    if ctx.options.subscription_term_in_days:
        end = _date_at(record, _SUB_END)
        return (end + timedelta(days=1)).isoformat() if end else None
    start, term = _term_start(record, ctx.options), _term(record, ctx.options)
    return add_months(start, term[0]).isoformat() if start and term else None


def _renewal_terms(record: Mapping[str, Any], ctx: DerivationContext) -> list[dict[str, Any]] | None:
    term = _term(record, ctx.options)
    return [{"period": term[0], "periodType": term[1]}] if term else None


def _list_price_base_months(record: Mapping[str, Any], ctx: DerivationContext) -> int | None:
    start, end = _date_at(record, _SUB_START), _date_at(record, _SUB_END)
    if start is None or end is None:
        return None
    months, exact = whole_months(start, end + timedelta(days=1))
    if not exact or months < 1:
        raise MappingError(
            f"{record_label(record)} runs {start} to {end}, not a whole number of months; 'Use list price base' "
            "only supports whole months (connector-spec §2.4). Turn the option off and map a per-period price "
            "to 'price', or make the term whole months."
        )
    return months


# --- account contacts from addresses (connector-spec §2.1) -----------------------------------------

_ADDRESS_PARTS = (
    ("Street", "address1"),
    ("City", "city"),
    ("State", "state"),
    ("PostalCode", "postalCode"),
    ("Country", "country"),
)


_CONTACT_NAME_LIMIT = 100


def _address(record: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    values = {target: resolve_path(record, prefix + part) for part, target in _ADDRESS_PARTS}
    return {key: value for key, value in values.items() if not is_blank(value)}


def _contact(record: Mapping[str, Any], prefix: str, suffix: str) -> dict[str, Any] | None:
    address = _address(record, prefix)
    if not address:
        return None
    # Zuora takes at most 100 characters per name: clip the account name, keep the suffix
    account_name = str(resolve_path(record, "Name") or "").strip()
    name = account_name[: _CONTACT_NAME_LIMIT - len(suffix)] + suffix
    return {"firstName": name, "lastName": name, **address}


def _bill_to_contact(record: Mapping[str, Any], ctx: DerivationContext) -> dict[str, Any] | None:
    return _contact(record, "Billing", "_billTo")


def _sold_to_contact(record: Mapping[str, Any], ctx: DerivationContext) -> dict[str, Any] | None:
    return _contact(record, "Shipping", "_soldTo") or _contact(record, "Billing", "_billTo")


# --- order line items (connector-spec §2.7) and usage catalog (§2.8) -------------------------------


def _bill_target_date(record: Mapping[str, Any], ctx: DerivationContext) -> str | None:
    activated = _date_at(record, "Order.ActivatedDate")
    effective = _date_at(record, "Order.EffectiveDate")
    chosen = activated or effective
    return chosen.isoformat() if chosen else None


def _usage_plan_name(record: Mapping[str, Any], ctx: DerivationContext) -> str | None:
    parts = [resolve_path(record, "Product.Name"), resolve_path(record, "ConsumptionSchedule.Name")]
    text = " ".join(str(part).strip() for part in parts if not is_blank(part))
    return text or None


_BILLING_FIELDS = tuple(f"Billing{part}" for part, _ in _ADDRESS_PARTS)
_SHIPPING_FIELDS = tuple(f"Shipping{part}" for part, _ in _ADDRESS_PARTS)
_TERM_READS = (_SUB_START, _SUB_END, _CONTRACT_START, _SUB_TYPE)


def _d(
    name: str,
    description: str,
    pair_ids: tuple[str, ...],
    *,
    reads: tuple[str, ...] = (),
    optional_reads: tuple[str, ...] = (),
    spec: str = "",
    func: DerivationFunc | None = None,
) -> Derivation:
    return Derivation(name, description, frozenset(pair_ids), reads, optional_reads, spec, func)


_ACC, _SUB, _CHG = pairs.ACCOUNT.id, pairs.SUBSCRIPTION.id, pairs.SUBSCRIPTION_CHARGE.id
_OLI, _OICS, _TIER = pairs.ORDER_LINE_ITEM.id, pairs.USAGE_RATE_PLAN.id, pairs.USAGE_TIER.id

DERIVATIONS = DerivationRegistry(
    {
        d.name: d
        for d in (
            _d(
                "bill_to_contact_from_billing_address",
                "Bill To contact built from the account's billing address, named '<account name>_billTo' "
                "(first and last name, the account name clipped to fit Zuora's 100 characters). Nothing when "
                "the address is empty — the account then fails validation.",
                (_ACC,),
                reads=("Name", *_BILLING_FIELDS),
                spec="connector-spec §2.1",
                func=_bill_to_contact,
            ),
            _d(
                "sold_to_contact_from_shipping_address",
                "Sold To contact built from the shipping address, named '<account name>_soldTo'; without a "
                "shipping address the Bill To contact is reused.",
                (_ACC,),
                reads=("Name", *_BILLING_FIELDS, *_SHIPPING_FIELDS),
                spec="connector-spec §2.1",
                func=_sold_to_contact,
            ),
            _d(
                "zuora_parent_account_id",
                "The Zuora account whose CRM ID is the parent account's Salesforce id; the planner creates "
                "the parent first when it is missing (without its orders).",
                (_ACC,),
                reads=("ParentId",),
                spec="connector-spec §2.1",
            ),
            _d(
                "zuora_account_number",
                "Number of the Zuora account whose CRM ID is the order's Salesforce account (created first "
                "when missing).",
                (pairs.ORDER.id,),
                reads=("AccountId",),
                spec="connector-spec §2.3",
            ),
            _d(
                "initial_term_period",
                "Length of the initial term: whole months from the start date to the day after the inclusive "
                "Salesforce end date, a partial month rounded up; days with 'Subscription term in days'. "
                "Not sent for evergreen subscriptions.",
                (_SUB,),
                reads=_TERM_READS,
                spec="connector-spec §2.4",
                func=_initial_term_period,
            ),
            _d(
                "initial_term_period_type",
                "Month, or Day with 'Subscription term in days'. Not sent for evergreen subscriptions.",
                (_SUB,),
                reads=_TERM_READS,
                spec="connector-spec §2.4",
                func=_initial_term_period_type,
            ),
            _d(
                "subscription_end_date",
                "Term end: start + initial term; with 'Subscription term in days', the Salesforce end date "
                "+ 1 day. Not sent for evergreen subscriptions.",
                (_SUB,),
                reads=_TERM_READS,
                spec="connector-spec §2.4",
                func=_subscription_end_date,
            ),
            _d(
                "renewal_terms",
                "One renewal term as long as the initial term (termed subscriptions only).",
                (_SUB,),
                reads=_TERM_READS,
                spec="connector-spec §2.4, §3.12",
                func=_renewal_terms,
            ),
            _d(
                "subscription_owner_account_number",
                "Zuora account number of Order.SubscriptionOwner__c (created on the fly when missing); "
                "defaults to the order's account.",
                (_SUB,),
                optional_reads=("SBQQ__OrderProduct__r.Order.SubscriptionOwner__c",),
                spec="connector-spec §2.4",
            ),
            _d(
                "invoice_owner_account_number",
                "Zuora account number of Order.InvoiceOwner__c (created on the fly when missing); defaults "
                "to the order's account.",
                (_SUB,),
                optional_reads=("SBQQ__OrderProduct__r.Order.InvoiceOwner__c",),
                spec="connector-spec §2.4, §3.9",
            ),
            _d(
                "order_line_item_invoice_owner_account_number",
                "Zuora account number of Order.InvoiceOwner__c; an order line item is billed to its order's "
                "account, so the planner sends the item in an order of that account.",
                (_OLI,),
                optional_reads=("Order.InvoiceOwner__c",),
                spec="connector-spec §2.7",
            ),
            _d(
                "order_line_item_owner_account_number",
                "Zuora account number of Order.SubscriptionOwner__c, which must already exist in Zuora.",
                (_OLI,),
                optional_reads=("Order.SubscriptionOwner__c",),
                spec="connector-spec §2.7",
            ),
            _d(
                "bill_to_contact_id",
                "Bill To contact, in order of preference: the order's Bill To Contact (created when missing), "
                "a new contact from the order's billing address, the account's Bill To (connector-spec §2.2).",
                (_SUB, _OLI),
                spec="connector-spec §2.2",
            ),
            _d(
                "sold_to_contact_id",
                "Sold To contact, in order of preference: the order's Ship To Contact, a new contact from the "
                "order's shipping address, the account's Sold To (connector-spec §2.2).",
                (_SUB, _OLI),
                spec="connector-spec §2.2",
            ),
            _d(
                "list_price_base_months",
                "Months between the Salesforce subscription's start and end (whole months only), for List "
                "Price Base 'Per Specific Months'.",
                (_CHG,),
                reads=(_SUB_START, _SUB_END),
                spec="connector-spec §2.4",
                func=_list_price_base_months,
            ),
            _d(
                "product_rate_plan_charge_id",
                "The one-time charge of the catalog plan whose external id is the order product's Product2 Id "
                "(the catalog entry is created first when missing).",
                (_OLI,),
                reads=("Product2Id",),
                spec="connector-spec §2.7, §2.8",
            ),
            _d(
                "bill_target_date",
                "The order's activation date (its date in the time-stamp's own UTC offset), else its effective date.",
                (_OLI,),
                reads=("Order.ActivatedDate", "Order.EffectiveDate"),
                spec="connector-spec §2.7",
                func=_bill_target_date,
            ),
            _d(
                "product_consumption_schedule_id",
                "Id of the ProductConsumptionSchedule linking the order product's Product2 to this "
                "schedule — the external id of the usage catalog plan.",
                (_OICS,),
                reads=("SBQQ__ConsumptionSchedule__c", "SBQQ__OrderItem__r.Product2Id"),
                spec="connector-spec §2.5",
            ),
            _d(
                "usage_tiers",
                "The schedule's consumption rates, ordered by lower bound, each mapped by the "
                "'SBQQ__OrderItemConsumptionRate__c->ChargeTier' section.",
                (_OICS,),
                spec="connector-spec §2.5",
            ),
            _d(
                "tier_number",
                "1, 2, 3 … in order of the rates' lower bounds.",
                (_TIER,),
                reads=("SBQQ__LowerBound__c",),
                spec="connector-spec §2.5",
            ),
            _d(
                "tier_starting_unit",
                "The rate's lower bound; with 'Increment tier upper bound for decimal point', raised by the "
                "unit of measure's smallest unit for every tier after the first.",
                (_TIER,),
                reads=("SBQQ__LowerBound__c",),
                spec="connector-spec §2.6",
            ),
            _d(
                "tier_ending_unit",
                "The rate's upper bound minus the unit of measure's smallest unit (1, or 0.01 for two "
                "decimals) — Salesforce upper bounds are exclusive, Zuora's inclusive; the last tier and "
                "'Increment tier upper bound for decimal point' keep it unchanged.",
                (_TIER,),
                reads=("SBQQ__UpperBound__c",),
                spec="connector-spec §2.6",
            ),
            _d(
                "active_currencies",
                "Every currency that has a PricebookEntry for the product (with Flexible Billing Attributes).",
                (pairs.PRODUCT_RATE_PLAN.id,),
                reads=("Id",),
                spec="connector-spec §2.8",
            ),
            _d(
                "usage_plan_name",
                "Product name and consumption schedule name, joined by a space.",
                (pairs.USAGE_PRODUCT_RATE_PLAN.id,),
                reads=("Product.Name", "ConsumptionSchedule.Name"),
                spec="connector-spec §2.8",
                func=_usage_plan_name,
            ),
            _d(
                "usage_placeholder_tier",
                "A single placeholder tier from 0 to 1 at the default list price, in the schedule's currency, "
                "priced in the format of the schedule's rates; real tiers come with each order (§2.5).",
                (pairs.USAGE_PRODUCT_RATE_PLAN_CHARGE.id,),
                reads=("ConsumptionScheduleId",),
                optional_reads=("CurrencyIsoCode",),
                spec="connector-spec §2.8",
            ),
        )
    }
)
