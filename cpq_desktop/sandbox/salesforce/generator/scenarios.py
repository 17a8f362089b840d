"""Which deals the generated org holds.

The first orders are *showcases*: hand-written deals, one clean instance of each sync use case of
connector-spec §3 (and of the fixture list in salesforce-api.md §6 item 10), so tests and docs can point at
them. Every further order is drawn from a seeded mix whose follow-ups (amendments, stacked amendments,
renewals, terminations) are picked by order index, so their number grows linearly with the order count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cpq_desktop.sandbox.salesforce.generator import directory
from cpq_desktop.sandbox.salesforce.generator.accounts import AccountFactory
from cpq_desktop.sandbox.salesforce.generator.context import AccountInfo, GenContext
from cpq_desktop.sandbox.salesforce.generator.cpq import (
    AddProduct,
    Chain,
    Change,
    ContractState,
    CpqEngine,
    DealSpec,
    LineSpec,
    Reprice,
    SetQuantity,
)
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE, add_months
from cpq_desktop.sandbox.salesforce.generator.directory import Locality
from cpq_desktop.sandbox.salesforce.generator.records import Ref


@dataclass
class ShowcasePlan:
    """A generated showcase: which use cases it demonstrates and the records that demonstrate them."""

    key: str
    use_cases: tuple[str, ...]
    title: str
    records: dict[str, Ref] = field(default_factory=dict)


def place(country_code: str, index: int = 0) -> Locality:
    matches = [p for p in directory.LOCALITIES if p.country_code == country_code]
    return matches[index % len(matches)]


def first_of_month(day: date) -> date:
    return day.replace(day=1)


class ShowcaseBuilder:
    """The hand-written deals. Each method creates one new-business order and its follow-ups."""

    def __init__(self, ctx: GenContext, cpq: CpqEngine, accounts: AccountFactory) -> None:
        self.ctx = ctx
        self.cpq = cpq
        self.accounts = accounts

    def plans(self) -> list[Callable[[], ShowcasePlan]]:
        return [
            self.new_subscriptions,
            self.one_time_assets,
            self.amendment_chain,
            self.add_product,
            self.quantity_increase,
            self.quantity_decrease,
            self.cancel_line,
            self.termination,
            self.price_change,
            self.renewal,
            self.asset_amend_renew,
            self.invoice_owner_change,
            self.coterm_partial_month,
            self.evergreen,
            self.termed_multi_year,
            self.mdq_ramp,
            self.bundle,
            self.usage_models,
            self.multi_schedule_usage,
            self.yen_order,
            self.partner_price_book,
            self.missing_billing_address,
            self.address_only_order,
            self.single_contract,
            self.deleted_duplicate,
            self.expired_legacy,
        ]

    # --- helpers -----------------------------------------------------------------------------------------------

    def _deal(
        self,
        account: AccountInfo,
        lines: list[LineSpec],
        start: date,
        term: int | None = 12,
        **options: Any,
    ) -> ContractState:
        return self.cpq.new_business(
            DealSpec(account=account, lines=lines, start=start, term=term, currency=account.currency, **options)
        )

    @staticmethod
    def _records(state: ContractState, **extra: Ref) -> dict[str, Ref]:
        records = {
            "account": state.account.ref,
            "opportunity": state.opportunity,
            "quote": state.quote,
            "order": state.order,
            "contract": state.contract,
        }
        records.update(extra)
        return records

    @staticmethod
    def _item(state: ContractState, product: str) -> Ref:
        for chain in state.chains:
            if chain.product.key == product:
                return chain.origin_item
        raise KeyError(product)

    @staticmethod
    def _find(state: ContractState, product: str) -> Chain:
        for chain in state.chains:
            if chain.product.key == product and chain.live:
                return chain
        raise KeyError(product)

    # --- the showcases -----------------------------------------------------------------------------------------

    def new_subscriptions(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US"))
        state = self._deal(
            account,
            [
                LineSpec("platform"),
                LineSpec("seats", 50, discount=10),
                LineSpec("support"),
                LineSpec("storage"),
                LineSpec("api_calls"),
            ],
            first_of_month(ANCHOR_DATE - timedelta(days=290)),
        )
        return ShowcasePlan(
            "new-subscriptions",
            ("3.1", "3.12"),
            "New order with several subscription products (flat fee, per unit, usage with a volume schedule)",
            self._records(state, seats_item=self._item(state, "seats")),
        )

    def one_time_assets(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("GB"))
        state = self._deal(
            account,
            [LineSpec("implementation"), LineSpec("appliance", 4), LineSpec("training", 10), LineSpec("seats", 20)],
            first_of_month(ANCHOR_DATE - timedelta(days=250)),
        )
        return ShowcasePlan(
            "one-time-assets",
            ("3.2",),
            "New order mixing one-time asset lines (flat fee and per unit) with a subscription, in GBP",
            self._records(state),
        )

    def amendment_chain(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 1))
        start = first_of_month(ANCHOR_DATE - timedelta(days=330))
        state = self._deal(
            account,
            [LineSpec("seats", 100, discount=5), LineSpec("platform"), LineSpec("support"), LineSpec("sms")],
            start,
        )
        seats = self._find(state, "seats")
        support = self._find(state, "support")
        first = self.cpq.amend(
            state,
            add_months(start, 3),
            [SetQuantity(seats, 120), SetQuantity(support, 0), AddProduct("burst", 2)],
        )
        burst = self._find(state, "burst")
        second = self.cpq.amend(
            state, add_months(start, 7) + timedelta(days=9), [SetQuantity(seats, 90), SetQuantity(burst, 3)]
        )
        renewal = self.cpq.renew(state, uplift=5.0)
        return ShowcasePlan(
            "amendment-chain",
            ("3.3", "3.4", "3.5", "3.7"),
            "New → amendment (seats up, support cancelled, product added) → stacked second amendment (seats "
            "down, revising the first order product; added product up) → renewal with 5% uplift",
            self._records(
                state,
                amendment_order=first,
                second_amendment_order=second,
                renewal_order=renewal.order,
                renewal_contract=renewal.contract,
                seats_item=seats.origin_item,
                seats_subscription=seats.origin_subscription,
                burst_item=burst.origin_item,
            ),
        )

    def add_product(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 2))
        start = first_of_month(ANCHOR_DATE - timedelta(days=200))
        state = self._deal(account, [LineSpec("seats", 30), LineSpec("platform")], start)
        order = self.cpq.amend(state, add_months(start, 4), [AddProduct("support")])
        return ShowcasePlan(
            "amendment-add-product",
            ("3.3",),
            "Amendment adding a product the contract did not have (a new subscription)",
            self._records(state, amendment_order=order, added_item=self._item(state, "support")),
        )

    def quantity_increase(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 3))
        start = first_of_month(ANCHOR_DATE - timedelta(days=240))
        state = self._deal(account, [LineSpec("seats", 40)], start)
        order = self.cpq.amend(state, add_months(start, 5), [SetQuantity(self._find(state, "seats"), 55)])
        return ShowcasePlan(
            "amendment-quantity-increase",
            ("3.4",),
            "Amendment raising seats from 40 to 55 (a +15 delta revising the original order product)",
            self._records(state, amendment_order=order, seats_item=self._item(state, "seats")),
        )

    def quantity_decrease(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("DE"))
        start = first_of_month(ANCHOR_DATE - timedelta(days=260))
        state = self._deal(account, [LineSpec("seats", 80), LineSpec("support")], start)
        order = self.cpq.amend(state, add_months(start, 6), [SetQuantity(self._find(state, "seats"), 60)])
        return ShowcasePlan(
            "amendment-quantity-decrease",
            ("3.4",),
            "Amendment lowering seats from 80 to 60 (a negative delta), in EUR",
            self._records(state, amendment_order=order, seats_item=self._item(state, "seats")),
        )

    def cancel_line(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 4))
        start = first_of_month(ANCHOR_DATE - timedelta(days=280))
        state = self._deal(account, [LineSpec("seats", 25), LineSpec("support")], start)
        order = self.cpq.amend(state, add_months(start, 5), [SetQuantity(self._find(state, "support"), 0)])
        return ShowcasePlan(
            "amendment-cancel-line",
            ("3.5",),
            "Amendment setting one line to 0 (support cancelled; seats unchanged)",
            self._records(state, amendment_order=order, cancelled_item=self._item(state, "support")),
        )

    def termination(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 5))
        start = first_of_month(ANCHOR_DATE - timedelta(days=300))
        state = self._deal(account, [LineSpec("seats", 15), LineSpec("platform")], start)
        changes: list[Change] = [SetQuantity(chain, 0) for chain in state.chains]
        order = self.cpq.amend(state, add_months(start, 6), changes, description="Customer terminated early")
        return ShowcasePlan(
            "termination",
            ("3.5",),
            "Amendment setting every line to 0: the whole subscription is cancelled",
            self._records(state, amendment_order=order),
        )

    def price_change(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("FR"))
        start = first_of_month(ANCHOR_DATE - timedelta(days=270))
        state = self._deal(account, [LineSpec("seats", 50), LineSpec("platform")], start)
        seats = self._find(state, "seats")
        order = self.cpq.amend(state, add_months(start, 4), [Reprice(seats, 20.0)])
        return ShowcasePlan(
            "price-change",
            ("3.6",),
            "Price change as debook/rebook: seats set to 0 and re-added at a 20% discount",
            self._records(state, amendment_order=order, debooked_item=seats.origin_item),
        )

    def renewal(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 6))
        start = first_of_month(ANCHOR_DATE - timedelta(days=420))
        state = self._deal(account, [LineSpec("seats", 35), LineSpec("platform"), LineSpec("sms")], start, uplift=7.0)
        renewed = self.cpq.renew(state, uplift=7.0)
        return ShowcasePlan(
            "renewal",
            ("3.7", "3.12"),
            "Renewal order with a 7% price uplift, creating a new contract and subscriptions",
            self._records(state, renewal_order=renewed.order, renewal_contract=renewed.contract),
        )

    def asset_amend_renew(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("NL"))
        start = first_of_month(ANCHOR_DATE - timedelta(days=400))
        state = self._deal(account, [LineSpec("seats", 10), LineSpec("appliance", 2)], start)
        order = self.cpq.amend(state, add_months(start, 3), [AddProduct("appliance", 3), AddProduct("training", 5)])
        renewed = self.cpq.renew(state, add=[LineSpec("training", 4)])
        return ShowcasePlan(
            "asset-amend-renew",
            ("3.8",),
            "One-time asset lines added by an amendment and by a renewal (new order line items each time)",
            self._records(state, amendment_order=order, renewal_order=renewed.order),
        )

    def invoice_owner_change(self) -> ShowcasePlan:
        parent = self.accounts.create(locality=place("US", 7), account_type="Customer - Direct")
        child = self.accounts.create(parent=parent)
        start = first_of_month(ANCHOR_DATE - timedelta(days=310))
        state = self._deal(
            child, [LineSpec("seats", 20), LineSpec("platform")], start, invoice_owner=child, subscription_owner=child
        )
        order = self.cpq.amend(
            state,
            add_months(start, 5),
            [SetQuantity(self._find(state, "seats"), 30)],
            invoice_owner=parent,
        )
        return ShowcasePlan(
            "invoice-owner-change",
            ("3.9",),
            "Amendment moving the invoice owner from the subsidiary to its parent account",
            self._records(state, amendment_order=order, parent_account=parent.ref),
        )

    def coterm_partial_month(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 0))
        start = first_of_month(ANCHOR_DATE - timedelta(days=230))
        state = self._deal(account, [LineSpec("seats", 60)], start)
        order = self.cpq.amend(state, add_months(start, 4) + timedelta(days=15), [AddProduct("support")])
        return ShowcasePlan(
            "coterm-partial-month",
            ("3.10",),
            "Co-termed add-on effective mid-month: the prorate multiplier includes a partial month",
            self._records(state, amendment_order=order, added_item=self._item(state, "support")),
        )

    def evergreen(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("IE"))
        start = first_of_month(ANCHOR_DATE - timedelta(days=500))
        state = self._deal(account, [LineSpec("hosting", 5), LineSpec("implementation")], start, term=None)
        order = self.cpq.amend(state, add_months(start, 8), [SetQuantity(self._find(state, "hosting"), 8)])
        return ShowcasePlan(
            "evergreen",
            ("3.11",),
            "Evergreen hosting subscription (no end date) and an amendment adding nodes",
            self._records(state, amendment_order=order),
        )

    def termed_multi_year(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 2))
        state = self._deal(
            account,
            [LineSpec("platform"), LineSpec("seats", 150, discount=12)],
            first_of_month(ANCHOR_DATE - timedelta(days=380)),
            term=36,
        )
        return ShowcasePlan(
            "termed-multi-year",
            ("3.12",),
            "A 36-month termed contract: prices cover the whole term (prorate multiplier 3)",
            self._records(state),
        )

    def mdq_ramp(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 3))
        state = self._deal(
            account,
            [LineSpec("mdq_seats", ramp=(50, 75, 100)), LineSpec("platform")],
            first_of_month(ANCHOR_DATE - timedelta(days=180)),
            term=36,
        )
        return ShowcasePlan(
            "mdq-ramp",
            ("3.13",),
            "Multi-dimensional quoting: seats ramp 50/75/100 over three yearly segments "
            "(the connector does not support MDQ)",
            self._records(state, first_segment_item=self._item(state, "mdq_seats")),
        )

    def bundle(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 4))
        state = self._deal(
            account, [LineSpec("bundle"), LineSpec("seats", 15)], first_of_month(ANCHOR_DATE - timedelta(days=150))
        )
        return ShowcasePlan(
            "bundle",
            ("bundle",),
            "A bundle: the parent line and two included components (price 0, SBQQ__RequiredBy__c to the parent)",
            self._records(state, bundle_item=self._item(state, "bundle")),
        )

    def usage_models(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("DE", 1))
        state = self._deal(
            account,
            [LineSpec("storage"), LineSpec("sms"), LineSpec("api_calls"), LineSpec("burst"), LineSpec("seats", 10)],
            first_of_month(ANCHOR_DATE - timedelta(days=120)),
        )
        return ShowcasePlan(
            "usage-models",
            ("3.1", "usage"),
            "Every usage model in one EUR order: volume, tiered (with a flat-fee first tier), per unit, flat fee",
            self._records(
                state,
                volume_item=self._item(state, "storage"),
                tiered_item=self._item(state, "sms"),
                per_unit_item=self._item(state, "api_calls"),
                flat_fee_item=self._item(state, "burst"),
            ),
        )

    def multi_schedule_usage(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("GB", 1))
        state = self._deal(
            account, [LineSpec("pipeline"), LineSpec("platform")], first_of_month(ANCHOR_DATE - timedelta(days=100))
        )
        return ShowcasePlan(
            "multi-schedule-usage",
            ("usage",),
            "One usage order product with two consumption schedules (volume rows, tiered egress)",
            self._records(state, usage_item=self._item(state, "pipeline")),
        )

    def yen_order(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("JP"))
        state = self._deal(
            account,
            [LineSpec("seats", 40), LineSpec("storage"), LineSpec("implementation")],
            first_of_month(ANCHOR_DATE - timedelta(days=160)),
        )
        return ShowcasePlan(
            "multi-currency-jpy",
            ("multi-currency",),
            "An order in JPY (a currency without minor units)",
            self._records(state),
        )

    def partner_price_book(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("CA"), account_type="Customer - Channel")
        state = self._deal(
            account,
            [LineSpec("seats", 25), LineSpec("support")],
            first_of_month(ANCHOR_DATE - timedelta(days=140)),
            pricebook="partner",
        )
        return ShowcasePlan(
            "partner-price-book",
            ("price-book",),
            "An order priced from the partner price book (15% below list)",
            self._records(state),
        )

    def missing_billing_address(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 5), billing_address=False, shipping_address=False)
        state = self._deal(account, [LineSpec("seats", 5)], first_of_month(ANCHOR_DATE - timedelta(days=90)))
        return ShowcasePlan(
            "missing-billing-address",
            ("2.1",),
            "An account with neither billing nor shipping address (the connector requires a billing address)",
            self._records(state),
        )

    def address_only_order(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("ES"), shipping_address=False, contacts=0)
        state = self._deal(
            account,
            [LineSpec("seats", 12), LineSpec("platform")],
            first_of_month(ANCHOR_DATE - timedelta(days=110)),
            use_contacts=False,
        )
        return ShowcasePlan(
            "address-only-order",
            ("2.2",),
            "An order without bill-to/ship-to contacts and an account without a shipping address",
            self._records(state),
        )

    def single_contract(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 6))
        state = self._deal(
            account,
            [LineSpec("seats", 45), LineSpec("support"), LineSpec("api_calls")],
            first_of_month(ANCHOR_DATE - timedelta(days=60)),
            contracting_method="Single Contract",
            po_number="PO-2025-0042",
        )
        return ShowcasePlan(
            "single-contract",
            ("3.15",),
            "Contracting method 'Single Contract' with a purchase order number",
            self._records(state),
        )

    def deleted_duplicate(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 1))
        state = self._deal(
            account, [LineSpec("seats", 18), LineSpec("support")], first_of_month(ANCHOR_DATE - timedelta(days=75))
        )
        deleted = self.cpq.deleted_duplicate_order(state)
        return ShowcasePlan(
            "deleted-order",
            ("3.14",),
            "A duplicate draft order deleted by the rep: only queryAll returns it (IsDeleted = true)",
            self._records(state, deleted_order=deleted),
        )

    def expired_legacy(self) -> ShowcasePlan:
        account = self.accounts.create(locality=place("US", 7))
        state = self._deal(account, [LineSpec("legacy")], first_of_month(ANCHOR_DATE - timedelta(days=900)))
        return ShowcasePlan(
            "expired-legacy",
            ("3.12",),
            "An expired contract for a product that is no longer active",
            self._records(state),
        )
