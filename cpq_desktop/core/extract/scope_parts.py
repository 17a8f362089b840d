"""Splitting a resolved scope into parts that can be read, planned and written one after another.

A sync does not wait for the whole scope to be read before it writes: it reads and plans a first small
part, starts writing it, and reads the next part meanwhile. Parts never split what the planner must see
together: every order of one account, and every account an order ties to — its subscription and invoice
owners, its account's parents, the accounts of the contracts it amends or renews — fall in the same part
(a union of those ties over the whole scope). Only the catalog is shared between parts, and the planner
keeps that across them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cpq_desktop.core.extract.scope import ResolvedScope

# Paths from an Order to the accounts it ties to; the resolution query selects those the org has.
LINK_PATHS = (
    "AccountId",
    "Account.ParentId",
    "Account.Parent.ParentId",
    "Account.Parent.Parent.ParentId",
    "SubscriptionOwner__c",
    "InvoiceOwner__c",
    "Opportunity.SBQQ__AmendedContract__r.AccountId",
    "Opportunity.SBQQ__RenewedContract__r.AccountId",
)


def _value(row: Mapping[str, Any], path: str) -> Any:
    node: Any = row
    for name in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node


def linked_accounts(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The account ids an Order row of the resolution query ties together (its own first)."""
    found = (_value(row, path) for path in LINK_PATHS)
    return tuple(dict.fromkeys(str(v) for v in found if isinstance(v, str) and v))


class _Accounts:
    """Union-find over account ids."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def __contains__(self, account: str) -> bool:
        return account in self._parent

    def find(self, account: str) -> str:
        root = self._parent.setdefault(account, account)
        while root != self._parent[root]:
            root = self._parent[root]
        while account != root:
            self._parent[account], account = root, self._parent[account]
        return root

    def union(self, accounts: tuple[str, ...]) -> None:
        if accounts:
            first = self.find(accounts[0])
            for other in accounts[1:]:
                self._parent[self.find(other)] = first


def split_scope(resolved: ResolvedScope, *, first: int, growth: float = 2.0, most: int) -> list[ResolvedScope]:
    """``resolved`` in parts of whole account groups, in sync order: the first about ``first`` orders (so
    writing starts soon), each next one ``growth`` times the one before, up to about ``most`` (a group
    larger than that stays whole). Accounts named without orders go in the first part."""
    accounts = _Accounts()
    for order_id in resolved.order_ids:
        accounts.union(resolved.links.get(order_id, ()))
    groups: dict[str, list[str]] = {}
    for order_id in resolved.order_ids:
        linked = resolved.links.get(order_id, ())
        groups.setdefault(accounts.find(linked[0]) if linked else f"order:{order_id}", []).append(order_id)
    position = {order_id: index for index, order_id in enumerate(resolved.order_ids)}
    named: dict[str, list[str]] = {}
    for account_id in resolved.account_ids:
        named.setdefault(accounts.find(account_id) if account_id in accounts else "", []).append(account_id)

    parts: list[ResolvedScope] = []
    orders: list[str] = []
    named_here: list[str] = list(named.pop("", []))
    target = max(1, first)
    for root, group in groups.items():
        orders.extend(group)
        named_here.extend(named.pop(root, []))
        if len(orders) >= target:
            parts.append(_part(resolved, orders, named_here, position))
            orders, named_here = [], []
            target = min(max(1, most), max(target + 1, round(target * growth)))
    if orders or named_here or not parts:
        parts.append(_part(resolved, orders, named_here, position))
    return parts


def _part(resolved: ResolvedScope, orders: list[str], named: list[str], position: dict[str, int]) -> ResolvedScope:
    ordered = sorted(orders, key=position.__getitem__)
    wanted = set(named)
    return ResolvedScope(
        order_ids=ordered,
        account_ids=[a for a in resolved.account_ids if a in wanted],
        links={order_id: resolved.links[order_id] for order_id in ordered if order_id in resolved.links},
    )
