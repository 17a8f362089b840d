"""The bulk of a generated org: seeded deals over a pool of accounts, with follow-ups in fixed proportions.

Per 48 new-business orders (by index, so counts grow linearly with the order count): 12 are amended once,
4 of those a second time, 8 are renewed and 1 is terminated; every 20th deal is evergreen, every 25th a
three-year ramp (MDQ).
"""

from __future__ import annotations

from datetime import date, timedelta

from cpq_desktop.sandbox.salesforce.generator.accounts import AccountFactory
from cpq_desktop.sandbox.salesforce.generator.context import AccountInfo, GenContext
from cpq_desktop.sandbox.salesforce.generator.cpq import (
    AddProduct,
    Change,
    ContractState,
    CpqEngine,
    DealSpec,
    LineSpec,
    Reprice,
    SetQuantity,
)
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE, add_months

# Products a rep picks from for an ordinary termed deal, with the quantity range each is sold in.
TERMED_MENU: tuple[tuple[str, int, int], ...] = (
    ("seats", 5, 400),
    ("platform", 1, 1),
    ("support", 1, 1),
    ("storage", 1, 1),
    ("sms", 1, 1),
    ("api_calls", 1, 1),
    ("burst", 1, 4),
    ("pipeline", 1, 1),
    ("bundle", 1, 1),
    ("implementation", 1, 1),
    ("appliance", 1, 12),
    ("training", 2, 30),
)
ONE_TIME = ("implementation", "appliance", "training")
ACCOUNTS_PER_ORDER = 0.6


class DealMix:
    """Generates ``count`` seeded new-business deals and their follow-ups."""

    def __init__(self, ctx: GenContext, cpq: CpqEngine, accounts: AccountFactory) -> None:
        self.ctx = ctx
        self.cpq = cpq
        self.accounts = accounts
        self.pool: list[AccountInfo] = []

    def build_accounts(self, count: int) -> None:
        """A pool of customers: every tenth a parent with two subsidiaries, a few with incomplete data."""
        index = 0
        while len(self.pool) < count:
            kind = "Customer - Channel" if index % 6 == 5 else "Customer - Direct"
            if index % 10 == 0 and count - len(self.pool) >= 3:
                parent = self.accounts.create(account_type=kind)
                self.pool.append(parent)
                for _ in range(2):
                    self.pool.append(self.accounts.create(parent=parent, account_type=kind))
                index += 1
                continue
            self.pool.append(
                self.accounts.create(
                    account_type=kind,
                    billing_address=index % 40 != 17,
                    shipping_address=index % 7 != 3,
                    contacts=0 if index % 23 == 9 else (1 if index % 11 == 5 else 2),
                )
            )
            index += 1

    def run(self, count: int) -> None:
        for index in range(count):
            self._deal(index)

    def _deal(self, index: int) -> None:
        rng = self.ctx.rng
        account = self.pool[rng.randrange(len(self.pool))]
        evergreen = index % 20 == 7
        mdq = index % 25 == 13 and not evergreen
        term: int | None
        if evergreen:
            term = None
        elif mdq or index % 15 == 9:
            term = 36
        elif index % 15 == 4:
            term = 24
        else:
            term = 12
        lines = self._lines(evergreen=evergreen, mdq=mdq)
        # Deals that will be amended or renewed start early enough for that to have happened by the anchor.
        if index % 4 in (0, 2):
            start = ANCHOR_DATE - timedelta(days=rng.randint(60, 900))
        else:
            latest = (term or 12) * 31
            start = ANCHOR_DATE - timedelta(days=rng.randint(latest, latest + 500))
        if rng.random() < 0.7:
            start = start.replace(day=1)
        channel = account.kind == "Customer - Channel"
        owner = account.parent if account.parent is not None and rng.random() < 0.5 else None
        spec = DealSpec(
            account=account,
            lines=lines,
            start=start,
            term=term,
            currency=account.currency,
            pricebook="partner" if channel else "standard",
            invoice_owner=owner,
            subscription_owner=account if owner is not None else None,
            use_contacts=account.bill_to is not None and rng.random() < 0.85,
            contracting_method="Single Contract" if rng.random() < 0.1 else "By Subscription End Date",
            payment_term=rng.choice(("Net 30", "Net 30", "Net 45", "Net 60", "Due on Receipt")),
            uplift=rng.choice((None, 3.0, 5.0)) if term else None,
            po_number=f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        )
        state = self.cpq.new_business(spec)
        if mdq:
            return
        if index % 48 == 17:
            self._terminate(state)
            return
        if index % 4 == 1:
            self._amend(state)
            if index % 12 == 5:
                self._amend(state)
        if index % 6 == 3 and not state.evergreen and any(chain.live for chain in state.chains):
            # Some renewals also sell something new: a subscription the contract lacked, or onboarding.
            owned = {chain.product.key for chain in state.chains if chain.live}
            extras = [key for key in ("support", "api_calls", "training") if key not in owned]
            add = [LineSpec(rng.choice(extras))] if extras and rng.random() < 0.3 else []
            self.cpq.renew(state, uplift=rng.choice((0.0, 3.0, 5.0, 7.0)), add=add)

    def _lines(self, *, evergreen: bool, mdq: bool) -> list[LineSpec]:
        rng = self.ctx.rng
        if evergreen:
            lines = [LineSpec("hosting", float(rng.randint(1, 40)))]
            if rng.random() < 0.5:
                lines.append(LineSpec("implementation"))
            return lines
        if mdq:
            base = rng.randint(10, 200)
            return [
                LineSpec("mdq_seats", ramp=(float(base), float(base + base // 2), float(base * 2))),
                LineSpec("platform"),
            ]
        picks = rng.sample(TERMED_MENU, rng.randint(1, 4))
        # Most deals of a SaaS vendor are seat-based; every deal has at least one subscription.
        seats = TERMED_MENU[0]
        if seats not in picks and (rng.random() < 0.6 or all(key in ONE_TIME for key, _, _ in picks)):
            picks.insert(0, seats)
        return [
            LineSpec(key, float(rng.randint(low, high)), discount=rng.choice((0.0, 0.0, 5.0, 10.0, 15.0)))
            for key, low, high in picks
        ]

    def _effective_date(self, state: ContractState) -> date | None:
        """A date for the next amendment: after the last change, at least a month before the contract ends."""
        rng = self.ctx.rng
        earliest = (state.last_change or state.start) + timedelta(days=1)
        latest = add_months(state.end, -1) if state.end is not None else earliest + timedelta(days=400)
        if latest <= earliest:
            return None
        effective = earliest + timedelta(days=rng.randint(0, min((latest - earliest).days, 200)))
        return effective.replace(day=1) if rng.random() < 0.5 and effective.replace(day=1) >= earliest else effective

    def _amend(self, state: ContractState) -> None:
        rng = self.ctx.rng
        effective = self._effective_date(state)
        live = [chain for chain in state.chains if chain.live and chain.parent is None]
        if effective is None:
            return
        roll = rng.random()
        changes: list[Change] = []
        # Quantities change on per-unit subscriptions (seats, nodes), not on flat fees or metered usage.
        adjustable = [
            chain
            for chain in live
            if chain.product.pricing_method == "List" and chain.product.charge_type == "Recurring"
        ]
        owned = {chain.product.key for chain in live}
        if roll < 0.35 and adjustable:
            chain = rng.choice(adjustable)
            changes.append(SetQuantity(chain, chain.quantity + rng.randint(1, 50)))
        elif roll < 0.55 and any(chain.quantity > 1 for chain in adjustable):
            chain = rng.choice([chain for chain in adjustable if chain.quantity > 1])
            changes.append(SetQuantity(chain, max(1.0, chain.quantity - rng.randint(1, int(chain.quantity)))))
        elif roll < 0.75:
            candidates = [key for key, _, _ in TERMED_MENU if key not in owned and key != "bundle"]
            if state.evergreen:
                candidates = ["implementation", "training"]
            key = rng.choice(candidates)
            changes.append(AddProduct(key, 1.0 if key not in ("appliance", "training") else float(rng.randint(1, 6))))
        elif roll < 0.85 and len(live) > 1:
            changes.append(SetQuantity(rng.choice(live), 0.0))
        elif live and not state.evergreen:
            changes.append(Reprice(rng.choice(live), rng.choice((5.0, 10.0, 20.0))))
        else:
            changes.append(AddProduct("training", float(rng.randint(1, 6))))
        # Now and then a subsidiary's bills move to its parent with the amendment (an invoice owner transfer).
        new_owner = None
        if state.account.parent is not None and state.invoice_owner is None and rng.random() < 0.25:
            new_owner = state.account.parent
        self.cpq.amend(state, effective, changes, invoice_owner=new_owner)

    def _terminate(self, state: ContractState) -> None:
        effective = self._effective_date(state)
        if effective is None:
            return
        changes: list[Change] = [
            SetQuantity(chain, 0.0) for chain in state.chains if chain.live and chain.parent is None
        ]
        changes += [SetQuantity(chain, 0.0) for chain in state.chains if chain.live and chain.parent is not None]
        self.cpq.amend(state, effective, changes, description="Terminated for convenience")
