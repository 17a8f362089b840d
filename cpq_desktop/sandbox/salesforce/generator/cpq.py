"""What Salesforce CPQ does when a quote is ordered, activated and contracted, and when a contract is
amended or renewed (salesforce-api.md §4.1, §4.4).

Every record it writes is consistent with the others the way CPQ would leave them: an opportunity
with its primary quote and quote lines, an activated and contracted order whose order products point
at their quote lines and subscriptions, a contract, append-only subscription rows, and order-level
copies of consumption schedules for usage products. Amendments carry only the changes, as quantity
deltas whose ``SBQQ__RevisedOrderProduct__c`` is the *first* order product of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cpq_desktop.sandbox.salesforce.generator.catalog import (
    PRODUCTS_BY_KEY,
    ProductDef,
    convert,
    round_money,
)
from cpq_desktop.sandbox.salesforce.generator.context import AccountInfo, GenContext
from cpq_desktop.sandbox.salesforce.generator.dates import (
    ANCHOR_DATE,
    at_time,
    iso_date,
    iso_datetime,
    months_between,
    term_end,
)
from cpq_desktop.sandbox.salesforce.generator.records import Ref

# What the duplicate never had: contracting links and audit stamps of its own.
_NOT_COPIED_TO_DUPLICATE = frozenset(
    {"SBQQ__Subscription__c", "SBQQ__Contract__c", "CreatedDate", "LastModifiedDate", "SystemModstamp"}
)
BILLING_PERIOD_MONTHS = {"Monthly": 1, "Quarterly": 3, "Semiannual": 6, "Annual": 12}
ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "StateCode", "CountryCode")


@dataclass(frozen=True)
class LineSpec:
    """A product on a quote. ``ramp`` (MDQ products) gives the quantity of each yearly segment."""

    product: str
    quantity: float = 1.0
    discount: float = 0.0
    ramp: tuple[float, ...] = ()


@dataclass
class DealSpec:
    """A new-business deal: what the sales rep quoted, for whom, from when."""

    account: AccountInfo
    lines: list[LineSpec]
    start: date
    term: int | None  # months; None makes an evergreen contract
    currency: str
    pricebook: str = "standard"
    invoice_owner: AccountInfo | None = None
    subscription_owner: AccountInfo | None = None
    use_contacts: bool = True
    contracting_method: str = "By Subscription End Date"
    payment_term: str = "Net 30"
    uplift: float | None = None
    po_number: str | None = None
    description: str | None = None


@dataclass
class Chain:
    """One contracted line and every subscription row (delta) that has revised it since."""

    product: ProductDef
    origin_item: Ref
    origin_subscription: Ref
    origin_quote_line: Ref
    customer_price: float  # per unit, after discount, for the product's default term (unprorated)
    list_price: float
    entry: Ref
    start: date
    end: date | None
    quantity: float
    rows: list[Ref] = field(default_factory=list)
    parent: Chain | None = None
    segment_index: int | None = None
    segment_key: str | None = None

    @property
    def live(self) -> bool:
        return self.quantity > 0


@dataclass
class ContractState:
    """A contracted deal as amendments and renewals see it."""

    contract: Ref
    account: AccountInfo
    currency: str
    pricebook: str
    start: date
    end: date | None
    term: int | None
    chains: list[Chain]
    opportunity: Ref
    quote: Ref
    order: Ref
    payment_term: str
    use_contacts: bool
    po_number: str | None = None
    invoice_owner: AccountInfo | None = None
    subscription_owner: AccountInfo | None = None
    last_change: date | None = None

    @property
    def evergreen(self) -> bool:
        return self.end is None


@dataclass(frozen=True)
class AddProduct:
    """Amendment: a product the contract did not have (ContractAction ``New``)."""

    product: str
    quantity: float = 1.0
    discount: float = 0.0


@dataclass(frozen=True)
class SetQuantity:
    """Amendment: the new total quantity of a contracted line; 0 cancels the line."""

    chain: Chain
    quantity: float


@dataclass(frozen=True)
class Reprice:
    """Amendment: a price change, which CPQ can only express as debook (to 0) and rebook at the new price."""

    chain: Chain
    discount: float


Change = AddProduct | SetQuantity | Reprice


@dataclass
class _Pricing:
    entry: Ref
    list_price: float
    customer_price: float


class CpqEngine:
    """Creates CPQ record graphs in a :class:`GenContext`."""

    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        self._segment_keys = 0
        self._order_totals: dict[Ref, float] = {}

    # --- new business -------------------------------------------------------------------------------------------

    def new_business(self, deal: DealSpec) -> ContractState:
        ctx = self.ctx
        rng = ctx.rng
        account = deal.account
        end = term_end(deal.start, deal.term) if deal.term is not None else None
        created = at_time(deal.start - timedelta(days=rng.randint(20, 60)), rng.randint(8, 17), rng.randint(0, 59))
        closed = at_time(deal.start - timedelta(days=rng.randint(2, 10)), rng.randint(9, 18), rng.randint(0, 59))
        pricebook = ctx.catalog.pricebooks[deal.pricebook]
        opportunity = self._won_opportunity(
            "New Business", account, closed=closed.date(), currency=deal.currency, pricebook=pricebook, at=created
        )
        quote = self._quote(
            kind="Quote",
            opportunity=opportunity,
            account=account,
            start=deal.start,
            end=end,
            term=deal.term,
            pricebook=deal.pricebook,
            currency=deal.currency,
            payment_term=deal.payment_term,
            use_contacts=deal.use_contacts,
            at=created + timedelta(days=1),
        )
        activated = at_time(deal.start, rng.randint(8, 17), rng.randint(0, 59))
        order = self._order(
            kind="New",
            account=account,
            opportunity=opportunity,
            quote=quote,
            pricebook=deal.pricebook,
            currency=deal.currency,
            effective=deal.start,
            end=end,
            use_contacts=deal.use_contacts,
            payment_term=deal.payment_term,
            invoice_owner=deal.invoice_owner,
            subscription_owner=deal.subscription_owner,
            contracting_method=deal.contracting_method,
            uplift=deal.uplift,
            po_number=deal.po_number,
            description=deal.description,
            activated=activated,
        )
        contract = self._contract(
            account=account,
            opportunity=opportunity,
            quote=quote,
            order=order,
            pricebook=deal.pricebook,
            currency=deal.currency,
            start=deal.start,
            end=end,
            term=deal.term,
            uplift=deal.uplift,
            at=activated + timedelta(minutes=2),
        )
        state = ContractState(
            contract=contract,
            account=account,
            currency=deal.currency,
            pricebook=deal.pricebook,
            start=deal.start,
            end=end,
            term=deal.term,
            chains=[],
            opportunity=opportunity,
            quote=quote,
            order=order,
            payment_term=deal.payment_term,
            use_contacts=deal.use_contacts,
            po_number=deal.po_number,
            invoice_owner=deal.invoice_owner,
            subscription_owner=deal.subscription_owner,
        )
        ctx.touch(opportunity, {"SBQQ__PrimaryQuote__c": quote}, at=created + timedelta(days=1))
        ctx.touch(order, {"ContractId": contract}, at=activated + timedelta(minutes=2))
        for spec in deal.lines:
            self._sell(state, quote, order, spec, deal.start, end, activated, action="New")
        self._finish_totals(opportunity, quote, order)
        return state

    def deleted_duplicate_order(self, state: ContractState) -> Ref:
        """A second order the rep created from the same quote by mistake and deleted (it sits in the recycle
        bin: ``queryAll`` returns it with ``IsDeleted = true``, ``query`` does not)."""
        ctx = self.ctx
        original = ctx.buffer.row(state.order)
        created = at_time(state.start - timedelta(days=1), 15, 30)
        copy = {
            key: value
            for key, value in original.items()
            if key not in ("ContractId", "ActivatedDate", "CreatedDate", "LastModifiedDate", "SystemModstamp")
        }
        copy.update({"Status": "Draft", "SBQQ__Contracted__c": False, "IsDeleted": True})
        order = ctx.add("Order", copy, at=created)
        for item in [row for row in ctx.buffer.rows["OrderItem"] if row["OrderId"] == state.order]:
            values = {key: value for key, value in item.items() if key not in _NOT_COPIED_TO_DUPLICATE}
            values.update(
                {
                    "OrderId": order,
                    "SBQQ__Status__c": "Draft",
                    "SBQQ__Activated__c": False,
                    "SBQQ__Contracted__c": False,
                    "SBQQ__RequiredBy__c": None,
                    "SBQQ__BundleRoot__c": None,
                    "IsDeleted": True,
                }
            )
            ctx.add("OrderItem", values, at=created)
        return order

    # --- amendments ---------------------------------------------------------------------------------------------

    def amend(
        self,
        state: ContractState,
        effective: date,
        changes: list[Change],
        *,
        invoice_owner: AccountInfo | None = None,
        description: str | None = None,
    ) -> Ref:
        """An amendment order effective on ``effective`` carrying only ``changes``; returns the order."""
        ctx = self.ctx
        rng = ctx.rng
        if state.last_change is not None and effective <= state.last_change:
            raise ValueError("amendments of one contract must be effective in sequence")
        if state.end is not None and not state.start < effective <= state.end:
            raise ValueError("an amendment must be effective within the contract term")
        account = state.account
        remaining = months_between(effective, state.end) if state.end is not None else None
        created = at_time(effective - timedelta(days=rng.randint(5, 25)), rng.randint(8, 17), rng.randint(0, 59))
        opportunity = self._won_opportunity(
            "Amendment",
            account,
            closed=effective,
            currency=state.currency,
            pricebook=ctx.catalog.pricebooks[state.pricebook],
            at=created,
            links={"SBQQ__AmendedContract__c": state.contract},
        )
        quote = self._quote(
            kind="Amendment",
            opportunity=opportunity,
            account=account,
            start=effective,
            end=state.end,
            term=round(remaining) if remaining is not None else None,
            pricebook=state.pricebook,
            currency=state.currency,
            payment_term=state.payment_term,
            use_contacts=state.use_contacts,
            at=created + timedelta(hours=1),
            master_contract=state.contract,
        )
        ctx.touch(opportunity, {"SBQQ__PrimaryQuote__c": quote}, at=created + timedelta(hours=1))
        activated = at_time(effective, rng.randint(8, 17), rng.randint(0, 59))
        order = self._order(
            kind="Amendment",
            account=account,
            opportunity=opportunity,
            quote=quote,
            pricebook=state.pricebook,
            currency=state.currency,
            effective=effective,
            end=state.end,
            use_contacts=state.use_contacts,
            payment_term=state.payment_term,
            invoice_owner=invoice_owner if invoice_owner is not None else state.invoice_owner,
            subscription_owner=state.subscription_owner,
            contracting_method="By Subscription End Date",
            uplift=None,
            po_number=None,
            description=description,
            activated=activated,
            contract=state.contract,
        )
        if invoice_owner is not None:
            state.invoice_owner = invoice_owner

        targets: dict[int, float] = {}
        reprices: dict[int, float] = {}
        for change in changes:
            if isinstance(change, SetQuantity):
                targets[id(change.chain)] = change.quantity
            elif isinstance(change, Reprice):
                targets[id(change.chain)] = 0.0
                reprices[id(change.chain)] = change.discount
        # Cancelling (or debooking) a bundle cancels its components with it.
        for chain in state.chains:
            if chain.parent is not None and targets.get(id(chain.parent)) == 0.0:
                targets[id(chain)] = 0.0
        # CPQ's amendment quote lists every live line of the contract; only changed ones reach the order.
        for chain in [c for c in state.chains if c.live]:
            new_quantity = targets.get(id(chain), chain.quantity)
            line = self._amendment_quote_line(quote, state, chain, effective, new_quantity, remaining)
            previous = chain.quantity
            if new_quantity != previous:
                self._revise(state, order, line, chain, effective, new_quantity, remaining, activated)
            if id(chain) in reprices:
                spec = LineSpec(chain.product.key, previous, reprices[id(chain)])
                self._sell(state, quote, order, spec, effective, state.end, activated, action="New")
        for change in changes:
            if isinstance(change, AddProduct):
                spec = LineSpec(change.product, change.quantity, change.discount)
                self._sell(state, quote, order, spec, effective, state.end, activated, action="New")
        self._finish_totals(opportunity, quote, order)
        ctx.touch(state.contract, {"SBQQ__AmendmentStartDate__c": iso_date(effective)}, at=activated)
        state.last_change = effective
        return order

    # --- renewals -----------------------------------------------------------------------------------------------

    def renew(
        self,
        state: ContractState,
        *,
        uplift: float = 0.0,
        add: list[LineSpec] | None = None,
        drop: list[Chain] | None = None,
        invoice_owner: AccountInfo | None = None,
    ) -> ContractState:
        """A renewal order and a new contract that continue ``state`` for another term."""
        ctx = self.ctx
        rng = ctx.rng
        if state.end is None or state.term is None:
            raise ValueError("evergreen contracts do not renew")
        if any(chain.segment_index is not None for chain in state.chains):
            raise ValueError("multi-year (MDQ) contracts are not renewed by the generator")
        start = state.end + timedelta(days=1)
        term = 12
        end = term_end(start, term)
        account = state.account
        created = at_time(state.end - timedelta(days=rng.randint(45, 90)), rng.randint(8, 17), rng.randint(0, 59))
        opportunity = self._won_opportunity(
            "Renewal",
            account,
            closed=start - timedelta(days=rng.randint(1, 20)),
            currency=state.currency,
            pricebook=ctx.catalog.pricebooks[state.pricebook],
            at=created,
            links={"SBQQ__RenewedContract__c": state.contract},
        )
        ctx.touch(
            state.contract,
            {
                "SBQQ__RenewalOpportunity__c": opportunity,
                "SBQQ__RenewalForecast__c": True,
                "SBQQ__RenewalQuoted__c": True,
            },
            at=created,
        )
        quote = self._quote(
            kind="Renewal",
            opportunity=opportunity,
            account=account,
            start=start,
            end=end,
            term=term,
            pricebook=state.pricebook,
            currency=state.currency,
            payment_term=state.payment_term,
            use_contacts=state.use_contacts,
            at=created + timedelta(hours=2),
        )
        ctx.touch(opportunity, {"SBQQ__PrimaryQuote__c": quote}, at=created + timedelta(hours=2))
        activated = at_time(start, rng.randint(8, 17), rng.randint(0, 59))
        owner = invoice_owner if invoice_owner is not None else state.invoice_owner
        order = self._order(
            kind="Renewal",
            account=account,
            opportunity=opportunity,
            quote=quote,
            pricebook=state.pricebook,
            currency=state.currency,
            effective=start,
            end=end,
            use_contacts=state.use_contacts,
            payment_term=state.payment_term,
            invoice_owner=owner,
            subscription_owner=state.subscription_owner,
            contracting_method="By Subscription End Date",
            uplift=uplift,
            po_number=None,
            description=None,
            activated=activated,
        )
        contract = self._contract(
            account=account,
            opportunity=opportunity,
            quote=quote,
            order=order,
            pricebook=state.pricebook,
            currency=state.currency,
            start=start,
            end=end,
            term=term,
            uplift=uplift,
            at=activated + timedelta(minutes=2),
        )
        ctx.touch(order, {"ContractId": contract}, at=activated + timedelta(minutes=2))
        renewed = ContractState(
            contract=contract,
            account=account,
            currency=state.currency,
            pricebook=state.pricebook,
            start=start,
            end=end,
            term=term,
            chains=[],
            opportunity=opportunity,
            quote=quote,
            order=order,
            payment_term=state.payment_term,
            use_contacts=state.use_contacts,
            invoice_owner=owner,
            subscription_owner=state.subscription_owner,
        )
        dropped = {id(chain) for chain in drop or ()}
        parents: dict[int, Chain] = {}
        for chain in state.chains:
            if not chain.live or id(chain) in dropped:
                continue
            if chain.parent is not None and id(chain.parent) not in parents:
                continue
            price = round_money(chain.customer_price * (1 + uplift / 100.0), state.currency)
            renewed_chain = self._contract_line(
                renewed,
                quote,
                order,
                chain.product,
                _Pricing(chain.entry, chain.list_price, price),
                quantity=chain.quantity,
                start=start,
                end=end,
                activated=activated,
                action="Renew",
                parent=parents.get(id(chain.parent)) if chain.parent is not None else None,
                renewed_subscription=chain.origin_subscription,
            )
            if renewed_chain is not None:
                parents[id(chain)] = renewed_chain
        for spec in add or ():
            self._sell(renewed, quote, order, spec, start, end, activated, action="New")
        self._finish_totals(opportunity, quote, order)
        return renewed

    # --- building blocks ----------------------------------------------------------------------------------------

    def _sell(
        self,
        state: ContractState,
        quote: Ref,
        order: Ref,
        spec: LineSpec,
        start: date,
        end: date | None,
        activated: datetime,
        *,
        action: str,
    ) -> None:
        """Quote, order and (for subscription products) contract one product, with its bundle components."""
        product = PRODUCTS_BY_KEY[spec.product]
        pricing = self._pricing(state, product, spec.discount)
        if spec.ramp:
            self._sell_segments(state, quote, order, product, pricing, spec.ramp, start, activated)
            return
        parent = self._contract_line(
            state,
            quote,
            order,
            product,
            pricing,
            quantity=spec.quantity,
            start=start,
            end=end,
            activated=activated,
            action=action,
        )
        for component_key in product.bundle_components:
            if parent is None:
                raise ValueError(f"bundle {product.key} must be a subscription product")
            component = PRODUCTS_BY_KEY[component_key]
            component_pricing = self._pricing(state, component, 100.0)
            self._contract_line(
                state,
                quote,
                order,
                component,
                component_pricing,
                quantity=spec.quantity,
                start=start,
                end=end,
                activated=activated,
                action=action,
                parent=parent,
            )

    def _sell_segments(
        self,
        state: ContractState,
        quote: Ref,
        order: Ref,
        product: ProductDef,
        pricing: _Pricing,
        ramp: tuple[float, ...],
        start: date,
        activated: datetime,
    ) -> None:
        """An MDQ product: one quote line, order product and subscription per yearly segment."""
        self._segment_keys += 1
        key = f"{1_700_000_000_000 + self._segment_keys * 7919}"
        for index, quantity in enumerate(ramp, start=1):
            seg_start = term_end(start, 12 * (index - 1)) + timedelta(days=1)
            seg_end = term_end(seg_start, 12)
            if state.end is not None:
                seg_end = min(seg_end, state.end)
            self._contract_line(
                state,
                quote,
                order,
                product,
                pricing,
                quantity=quantity,
                start=seg_start,
                end=seg_end,
                activated=activated,
                action="New",
                segment=(index, key),
            )

    def _pricing(self, state: ContractState, product: ProductDef, discount: float) -> _Pricing:
        entry, list_price = self.ctx.catalog.entries[(state.pricebook, product.key, state.currency)]
        customer = round_money(list_price * (1 - discount / 100.0), state.currency)
        return _Pricing(entry, list_price, customer)

    @staticmethod
    def _remaining_prorate(product: ProductDef, remaining_months: float | None) -> float:
        """The prorate multiplier of an amendment line: the months left until co-termination, in default terms."""
        if remaining_months is None or product.charge_type == "Usage" or not product.subscription_term:
            return 1.0
        return round(remaining_months / product.subscription_term, 4)

    @staticmethod
    def _prorate(product: ProductDef, start: date, end: date | None) -> float | None:
        """CPQ's prorate multiplier: the line's length in units of the product's default term."""
        if product.charge_type == "One-Time":
            return None
        if product.charge_type == "Usage" or end is None or product.subscription_term is None:
            return 1.0
        return round(months_between(start, end) / product.subscription_term, 4)

    def _contract_line(
        self,
        state: ContractState,
        quote: Ref,
        order: Ref,
        product: ProductDef,
        pricing: _Pricing,
        *,
        quantity: float,
        start: date,
        end: date | None,
        activated: datetime,
        action: str,
        parent: Chain | None = None,
        segment: tuple[int, str] | None = None,
        renewed_subscription: Ref | None = None,
    ) -> Chain | None:
        """A quote line, its order product and, for subscription products, the subscription and chain.

        Returns the new chain, or None for a one-time product (an asset line that is never contracted).
        """
        ctx = self.ctx
        one_time = product.charge_type == "One-Time"
        line_end = None if one_time else end
        prorate = self._prorate(product, start, line_end)
        net_price = round_money(pricing.customer_price * (prorate or 1.0), state.currency)
        list_total = round_money(pricing.list_price * (prorate or 1.0), state.currency)
        quote_line = ctx.add(
            "SBQQ__QuoteLine__c",
            {
                "SBQQ__Quote__c": quote,
                "SBQQ__Product__c": ctx.catalog.products[product.key],
                "SBQQ__PricebookEntryId__c": pricing.entry,
                "SBQQ__Quantity__c": quantity,
                "SBQQ__PriorQuantity__c": None,
                "SBQQ__EffectiveQuantity__c": quantity,
                "SBQQ__ListPrice__c": pricing.list_price,
                "SBQQ__CustomerPrice__c": pricing.customer_price,
                "SBQQ__NetPrice__c": net_price,
                "SBQQ__NetTotal__c": round_money(net_price * quantity, state.currency),
                "SBQQ__ProratedListPrice__c": list_total,
                "SBQQ__ProrateMultiplier__c": prorate,
                "SBQQ__StartDate__c": iso_date(start),
                "SBQQ__EndDate__c": iso_date(line_end),
                "SBQQ__EffectiveStartDate__c": iso_date(start),
                "SBQQ__EffectiveEndDate__c": iso_date(line_end),
                "SBQQ__Existing__c": False,
                "SBQQ__RenewedSubscription__c": renewed_subscription,
                "SBQQ__Renewal__c": renewed_subscription is not None,
                "SBQQ__RequiredBy__c": parent.origin_quote_line if parent is not None else None,
                "SBQQ__Bundled__c": parent is not None,
                "SBQQ__SegmentIndex__c": float(segment[0]) if segment else None,
                "SBQQ__SegmentKey__c": segment[1] if segment else None,
                "SBQQ__SegmentLabel__c": f"Year {segment[0]}" if segment else None,
                "CurrencyIsoCode": state.currency,
                **self._product_terms(product, start, line_end),
            },
            at=activated - timedelta(days=1),
        )
        item_values: dict[str, Any] = {
            "OrderId": order,
            "Product2Id": ctx.catalog.products[product.key],
            "PricebookEntryId": pricing.entry,
            "Quantity": quantity,
            "UnitPrice": net_price,
            "ListPrice": pricing.list_price,
            "TotalPrice": round_money(net_price * quantity, state.currency),
            "ServiceDate": iso_date(start),
            "EndDate": iso_date(line_end),
            "Description": product.description,
            "SBQQ__QuoteLine__c": quote_line,
            "SBQQ__ProrateMultiplier__c": prorate,
            "SBQQ__ContractAction__c": action,
            "SBQQ__OrderedQuantity__c": quantity,
            "SBQQ__QuotedQuantity__c": quantity,
            "SBQQ__QuotedListPrice__c": pricing.list_price,
            "SBQQ__UnproratedNetPrice__c": pricing.customer_price,
            "SBQQ__TotalAmount__c": round_money(net_price * quantity, state.currency),
            "SBQQ__RequiredBy__c": parent.origin_item if parent is not None else None,
            "SBQQ__BundleRoot__c": parent.origin_item if parent is not None else None,
            "SBQQ__DimensionType__c": product.mdq_dimension if segment else None,
            "SBQQ__SegmentIndex__c": float(segment[0]) if segment else None,
            "SBQQ__SegmentKey__c": segment[1] if segment else None,
            "SBQQ__SegmentLabel__c": f"Year {segment[0]}" if segment else None,
        }
        item = self._order_item(state, item_values, product, start, line_end, activated, contracted=not one_time)
        if product.schedules:
            self._consumption_schedules(state, item, product, activated)
        if one_time or not product.is_subscription:
            return None
        subscription = self._subscription(
            state,
            product,
            item=item,
            quote_line=quote_line,
            original_quote_line=quote_line,
            quantity=quantity,
            prices=(pricing.list_price, pricing.customer_price, prorate),
            start=start,
            end=line_end,
            revised=None,
            parent=parent,
            activated=activated,
        )
        ctx.touch(item, {"SBQQ__Subscription__c": subscription}, at=activated + timedelta(minutes=2))
        chain = Chain(
            product=product,
            origin_item=item,
            origin_subscription=subscription,
            origin_quote_line=quote_line,
            customer_price=pricing.customer_price,
            list_price=pricing.list_price,
            entry=pricing.entry,
            start=start,
            end=line_end,
            quantity=quantity,
            rows=[subscription],
            parent=parent,
            segment_index=segment[0] if segment else None,
            segment_key=segment[1] if segment else None,
        )
        state.chains.append(chain)
        return chain

    def _amendment_quote_line(
        self,
        quote: Ref,
        state: ContractState,
        chain: Chain,
        effective: date,
        new_quantity: float,
        remaining: float | None,
    ) -> Ref:
        product = chain.product
        prorate = self._remaining_prorate(product, remaining)
        net_price = round_money(chain.customer_price * prorate, state.currency)
        delta = new_quantity - chain.quantity
        return self.ctx.add(
            "SBQQ__QuoteLine__c",
            {
                "SBQQ__Quote__c": quote,
                "SBQQ__Product__c": self.ctx.catalog.products[product.key],
                "SBQQ__PricebookEntryId__c": chain.entry,
                "SBQQ__Quantity__c": new_quantity,
                "SBQQ__PriorQuantity__c": chain.quantity,
                "SBQQ__EffectiveQuantity__c": delta,
                "SBQQ__ListPrice__c": chain.list_price,
                "SBQQ__CustomerPrice__c": chain.customer_price,
                "SBQQ__NetPrice__c": net_price,
                "SBQQ__NetTotal__c": round_money(net_price * delta, state.currency),
                "SBQQ__ProratedListPrice__c": round_money(chain.list_price * prorate, state.currency),
                "SBQQ__ProrateMultiplier__c": prorate,
                "SBQQ__StartDate__c": iso_date(effective),
                "SBQQ__EndDate__c": iso_date(chain.end),
                "SBQQ__EffectiveStartDate__c": iso_date(effective),
                "SBQQ__EffectiveEndDate__c": iso_date(chain.end),
                "SBQQ__Existing__c": True,
                "SBQQ__UpgradedSubscription__c": chain.origin_subscription,
                "SBQQ__Renewal__c": False,
                "SBQQ__RequiredBy__c": None,
                "SBQQ__Bundled__c": chain.parent is not None,
                "SBQQ__SegmentIndex__c": float(chain.segment_index) if chain.segment_index else None,
                "SBQQ__SegmentKey__c": chain.segment_key,
                "CurrencyIsoCode": state.currency,
                **self._product_terms(product, effective, chain.end),
            },
            at=at_time(effective - timedelta(days=2), 10, 0),
        )

    def _revise(
        self,
        state: ContractState,
        order: Ref,
        quote_line: Ref,
        chain: Chain,
        effective: date,
        new_quantity: float,
        remaining: float | None,
        activated: datetime,
    ) -> None:
        """A delta order product and subscription row for a quantity change of ``chain``."""
        ctx = self.ctx
        product = chain.product
        delta = new_quantity - chain.quantity
        prorate = self._remaining_prorate(product, remaining)
        net_price = round_money(chain.customer_price * prorate, state.currency)
        cancelled = new_quantity == 0
        if delta > 0:
            action = "Quantity Increase"
        elif cancelled:
            action = "Cancel"
        else:
            action = "Quantity Decrease"
        item_values: dict[str, Any] = {
            "OrderId": order,
            "Product2Id": ctx.catalog.products[product.key],
            "PricebookEntryId": chain.entry,
            "Quantity": delta,
            "UnitPrice": net_price,
            "ListPrice": chain.list_price,
            "TotalPrice": round_money(net_price * delta, state.currency),
            "ServiceDate": iso_date(effective),
            "EndDate": iso_date(chain.end),
            "Description": product.description,
            "SBQQ__QuoteLine__c": quote_line,
            "SBQQ__RevisedOrderProduct__c": chain.origin_item,
            "SBQQ__ProrateMultiplier__c": prorate,
            "SBQQ__ContractAction__c": action,
            "SBQQ__OrderedQuantity__c": delta,
            "SBQQ__QuotedQuantity__c": new_quantity,
            "SBQQ__QuotedListPrice__c": chain.list_price,
            "SBQQ__UnproratedNetPrice__c": chain.customer_price,
            "SBQQ__TotalAmount__c": round_money(net_price * delta, state.currency),
            "SBQQ__TerminatedDate__c": iso_date(effective) if cancelled else None,
            "SBQQ__SegmentIndex__c": float(chain.segment_index) if chain.segment_index else None,
            "SBQQ__SegmentKey__c": chain.segment_key,
        }
        item = self._order_item(state, item_values, product, effective, chain.end, activated, contracted=True)
        row = self._subscription(
            state,
            product,
            item=item,
            quote_line=quote_line,
            original_quote_line=chain.origin_quote_line,
            quantity=delta,
            prices=(chain.list_price, chain.customer_price, prorate),
            start=effective,
            end=chain.end,
            revised=chain.origin_subscription,
            parent=chain.parent,
            activated=activated,
        )
        ctx.touch(item, {"SBQQ__Subscription__c": row}, at=activated + timedelta(minutes=2))
        chain.rows.append(row)
        if cancelled:
            for subscription in chain.rows:
                ctx.touch(subscription, {"SBQQ__TerminatedDate__c": iso_date(effective)}, at=activated)
        chain.quantity = new_quantity

    def _product_terms(self, product: ProductDef, start: date, end: date | None) -> dict[str, Any]:
        term = round(months_between(start, end)) if end is not None and product.charge_type != "One-Time" else None
        return {
            "SBQQ__SubscriptionTerm__c": float(term) if term else None,
            "SBQQ__DefaultSubscriptionTerm__c": float(product.subscription_term) if product.subscription_term else None,
            "SBQQ__SubscriptionPricing__c": product.subscription_pricing,
            "SBQQ__ChargeType__c": product.charge_type,
            "SBQQ__BillingType__c": product.billing_type,
            "SBQQ__BillingFrequency__c": product.billing_frequency,
            "SBQQ__PricingMethod__c": product.pricing_method,
            "SBQQ__SubscriptionType__c": product.subscription_type,
        }

    def _order_item(
        self,
        state: ContractState,
        values: dict[str, Any],
        product: ProductDef,
        start: date,
        end: date | None,
        activated: datetime,
        *,
        contracted: bool,
    ) -> Ref:
        terms = self._product_terms(product, start, end)
        del terms["SBQQ__PricingMethod__c"]
        values.update(terms)
        values.update(
            {
                "SBQQ__ProductSubscriptionType__c": product.subscription_type,
                "SBQQ__Activated__c": True,
                "SBQQ__Status__c": "Activated",
                "SBQQ__Contracted__c": contracted,
                "SBQQ__Contract__c": state.contract if contracted else None,
                "CurrencyIsoCode": state.currency,
            }
        )
        order = values["OrderId"]
        self._order_totals[order] = self._order_totals.get(order, 0.0) + values["TotalPrice"]
        return self.ctx.add("OrderItem", values, at=activated - timedelta(minutes=5))

    def _subscription(
        self,
        state: ContractState,
        product: ProductDef,
        *,
        item: Ref,
        quote_line: Ref,
        original_quote_line: Ref,
        quantity: float,
        prices: tuple[float, float, float | None],
        start: date,
        end: date | None,
        revised: Ref | None,
        parent: Chain | None,
        activated: datetime,
    ) -> Ref:
        list_price, customer_price, prorate = prices
        factor = prorate or 1.0
        net = round_money(customer_price * factor, state.currency)
        # The org's custom per-billing-period price (connector-spec §3 "Handling differences"): CPQ prices
        # cover the product's default term, Zuora bills per period.
        period_price = None
        months = BILLING_PERIOD_MONTHS.get(product.billing_frequency or "")
        if product.charge_type == "Recurring" and months and product.subscription_term:
            period_price = round_money(customer_price * months / product.subscription_term, state.currency)
        root = parent
        while root is not None and root.parent is not None:
            root = root.parent
        return self.ctx.add(
            "SBQQ__Subscription__c",
            {
                "SBQQ__Account__c": state.account.ref,
                "SBQQ__Contract__c": state.contract,
                "SBQQ__Product__c": self.ctx.catalog.products[product.key],
                "SBQQ__Quantity__c": quantity,
                "SBQQ__RenewalQuantity__c": quantity,
                "SBQQ__NetPrice__c": net,
                "SBQQ__ListPrice__c": round_money(list_price * factor, state.currency),
                "SBQQ__CustomerPrice__c": net,
                "SBQQ__RegularPrice__c": net,
                "SBQQ__RenewalPrice__c": customer_price,
                "SBQQ__ProrateMultiplier__c": prorate,
                "SBQQ__StartDate__c": iso_date(start),
                "SBQQ__EndDate__c": iso_date(end),
                "SBQQ__TerminatedDate__c": None,
                "SBQQ__RevisedSubscription__c": revised,
                "SBQQ__QuoteLine__c": quote_line,
                "SBQQ__OriginalQuoteLine__c": original_quote_line,
                "SBQQ__OrderProduct__c": item,
                "SBQQ__RequiredById__c": parent.origin_subscription if parent is not None else None,
                "SBQQ__RootId__c": root.origin_subscription if root is not None else None,
                "SBQQ__ChargeType__c": product.charge_type,
                "SBQQ__BillingType__c": product.billing_type,
                "SBQQ__BillingFrequency__c": product.billing_frequency,
                "SBQQ__SubscriptionType__c": product.subscription_type,
                "SBQQ__ProductSubscriptionType__c": product.subscription_type,
                "SBQQ__PricingMethod__c": product.pricing_method,
                "SBQQ__Bundled__c": parent is not None,
                "CurrencyIsoCode": state.currency,
                "PO_Number__c": state.po_number,
                "Zuora_Price__c": period_price,
            },
            at=activated + timedelta(minutes=2),
        )

    def _consumption_schedules(self, state: ContractState, item: Ref, product: ProductDef, activated: datetime) -> None:
        """CPQ's order-level copies of the product's consumption schedules and rates in the order currency."""
        ctx = self.ctx
        stamp = activated - timedelta(minutes=4)
        for schedule in product.schedules:
            oics = ctx.add(
                "SBQQ__OrderItemConsumptionSchedule__c",
                {
                    "SBQQ__OrderItem__c": item,
                    "SBQQ__ConsumptionSchedule__c": ctx.catalog.schedules[(schedule.key, state.currency)],
                    "SBQQ__Type__c": schedule.type,
                    "SBQQ__RatingMethod__c": "Tier",
                    "SBQQ__BillingTerm__c": 1.0,
                    "SBQQ__BillingTermUnit__c": "Month",
                    "SBQQ__UnitOfMeasure__c": schedule.unit_of_measure,
                    "SBQQ__MatchingAttribute__c": None,
                    "SBQQ__Description__c": schedule.description,
                    "CurrencyIsoCode": state.currency,
                },
                at=stamp,
            )
            for order_index, rate in enumerate(schedule.rates, start=1):
                ctx.add(
                    "SBQQ__OrderItemConsumptionRate__c",
                    {
                        "SBQQ__OrderItemConsumptionSchedule__c": oics,
                        "SBQQ__LowerBound__c": float(rate.lower),
                        "SBQQ__UpperBound__c": float(rate.upper) if rate.upper is not None else None,
                        "SBQQ__Price__c": convert(rate.price_usd, state.currency),
                        "SBQQ__PricingMethod__c": rate.pricing_method,
                        "SBQQ__ProcessingOrder__c": float(order_index),
                        "SBQQ__Description__c": None,
                        "CurrencyIsoCode": state.currency,
                    },
                    at=stamp,
                )

    def _won_opportunity(
        self,
        kind: str,
        account: AccountInfo,
        *,
        closed: date,
        currency: str,
        pricebook: Ref,
        at: datetime,
        links: dict[str, Any] | None = None,
    ) -> Ref:
        """The Closed Won opportunity of a contracted, ordered deal; ``links`` are its kind's own CPQ lookups."""
        return self.ctx.add(
            "Opportunity",
            {
                "AccountId": account.ref,
                "Name": f"{account.name} - {kind}",
                "StageName": "Closed Won",
                "IsClosed": True,
                "IsWon": True,
                "CloseDate": iso_date(closed),
                "Type": kind,
                "Probability": 100.0,
                "CurrencyIsoCode": currency,
                "Pricebook2Id": pricebook,
                "OwnerId": account.owner,
                "SBQQ__Contracted__c": True,
                "SBQQ__Ordered__c": True,
                "SBQQ__Renewal__c": kind == "Renewal",
                **(links or {}),
            },
            at=at,
        )

    def _quote(
        self,
        *,
        kind: str,
        opportunity: Ref,
        account: AccountInfo,
        start: date,
        end: date | None,
        term: int | None,
        pricebook: str,
        currency: str,
        payment_term: str,
        use_contacts: bool,
        at: datetime,
        master_contract: Ref | None = None,
    ) -> Ref:
        billing = account.billing or {}
        pricebook_ref = self.ctx.catalog.pricebooks[pricebook]
        return self.ctx.add(
            "SBQQ__Quote__c",
            {
                "SBQQ__Account__c": account.ref,
                "SBQQ__Opportunity2__c": opportunity,
                "SBQQ__Type__c": kind,
                "SBQQ__Status__c": "Accepted",
                "SBQQ__Primary__c": True,
                "SBQQ__Ordered__c": True,
                "SBQQ__StartDate__c": iso_date(start),
                "SBQQ__EndDate__c": iso_date(end),
                "SBQQ__SubscriptionTerm__c": float(term) if term is not None else None,
                "SBQQ__MasterContract__c": master_contract,
                "SBQQ__PriceBook__c": pricebook_ref,
                "SBQQ__PricebookId__c": pricebook_ref,
                "SBQQ__PrimaryContact__c": account.bill_to if use_contacts else None,
                "SBQQ__PaymentTerms__c": payment_term,
                "SBQQ__BillingFrequency__c": "Annual",
                "SBQQ__BillingName__c": account.name,
                "SBQQ__BillingStreet__c": billing.get("Street"),
                "SBQQ__BillingCity__c": billing.get("City"),
                "SBQQ__BillingState__c": billing.get("State"),
                "SBQQ__BillingPostalCode__c": billing.get("PostalCode"),
                "SBQQ__BillingCountry__c": billing.get("Country"),
                "SBQQ__NetAmount__c": 0.0,
                "CurrencyIsoCode": currency,
            },
            at=at,
        )

    def _order(
        self,
        *,
        kind: str,
        account: AccountInfo,
        opportunity: Ref,
        quote: Ref,
        pricebook: str,
        currency: str,
        effective: date,
        end: date | None,
        use_contacts: bool,
        payment_term: str,
        invoice_owner: AccountInfo | None,
        subscription_owner: AccountInfo | None,
        contracting_method: str,
        uplift: float | None,
        po_number: str | None,
        description: str | None,
        activated: datetime,
        contract: Ref | None = None,
    ) -> Ref:
        values: dict[str, Any] = {
            "AccountId": account.ref,
            "OpportunityId": opportunity,
            "ContractId": contract,
            "Pricebook2Id": self.ctx.catalog.pricebooks[pricebook],
            "Type": kind,
            "Status": "Activated",
            "EffectiveDate": iso_date(effective),
            "EndDate": iso_date(end),
            "ActivatedDate": iso_datetime(activated),
            "CustomerAuthorizedDate": iso_date(effective - timedelta(days=3)),
            "CompanyAuthorizedDate": iso_date(effective - timedelta(days=1)),
            "TotalAmount": 0.0,
            "CurrencyIsoCode": currency,
            # The Bill To contact belongs to the invoice owner and the Ship To contact to the subscription
            # owner, as the connector requires (connector-spec §2.2).
            "BillToContactId": (invoice_owner or account).bill_to if use_contacts else None,
            "ShipToContactId": (subscription_owner or account).sold_to if use_contacts else None,
            "PoNumber": po_number,
            "Description": description,
            "IsReductionOrder": False,
            "OwnerId": account.owner,
            "SBQQ__Quote__c": quote,
            "SBQQ__Contracted__c": True,
            "SBQQ__ContractingMethod__c": contracting_method,
            "SBQQ__PaymentTerm__c": payment_term,
            "SBQQ__RenewalTerm__c": 12.0 if end is not None else None,
            "SBQQ__RenewalUpliftRate__c": uplift,
            "SBQQ__TaxAmount__c": 0.0,
            "InvoiceOwner__c": invoice_owner.ref if invoice_owner is not None else None,
            "SubscriptionOwner__c": subscription_owner.ref if subscription_owner is not None else None,
        }
        for prefix, address in (("Billing", account.billing), ("Shipping", account.shipping)):
            for part in ADDRESS_PARTS:
                values[f"{prefix}{part}"] = address.get(part) if address else None
        return self.ctx.add("Order", values, at=activated - timedelta(minutes=10))

    def _contract(
        self,
        *,
        account: AccountInfo,
        opportunity: Ref,
        quote: Ref,
        order: Ref,
        pricebook: str,
        currency: str,
        start: date,
        end: date | None,
        term: int | None,
        uplift: float | None,
        at: datetime,
    ) -> Ref:
        pricebook_ref = self.ctx.catalog.pricebooks[pricebook]
        return self.ctx.add(
            "Contract",
            {
                "AccountId": account.ref,
                "Status": "Activated",
                "StartDate": iso_date(start),
                "EndDate": iso_date(end),
                "ContractTerm": term,
                "Pricebook2Id": pricebook_ref,
                "CurrencyIsoCode": currency,
                "OwnerId": account.owner,
                "SBQQ__Opportunity__c": opportunity,
                "SBQQ__Order__c": order,
                "SBQQ__Quote__c": quote,
                "SBQQ__RenewalForecast__c": False,
                "SBQQ__RenewalQuoted__c": False,
                "SBQQ__RenewalTerm__c": 12.0 if end is not None else None,
                "SBQQ__RenewalPricebookId__c": pricebook_ref,
                "SBQQ__RenewalUpliftRate__c": uplift,
                "SBQQ__AmendmentRenewalBehavior__c": "Latest End Date",
                "SBQQ__Evergreen__c": end is None,
                "SBQQ__ActiveContract__c": start <= ANCHOR_DATE and (end is None or end >= ANCHOR_DATE),
                "SBQQ__SubscriptionQuantitiesCombined__c": False,
            },
            at=at,
        )

    def _finish_totals(self, opportunity: Ref, quote: Ref, order: Ref) -> None:
        """Roll line totals up to the order, quote and opportunity, as Salesforce's summary fields do."""
        buffer = self.ctx.buffer
        total = round(self._order_totals.pop(order, 0.0), 2)
        buffer.update(order, {"TotalAmount": total, "SBQQ__OrderBookings__c": total})
        buffer.update(quote, {"SBQQ__NetAmount__c": total})
        buffer.update(opportunity, {"Amount": total})
