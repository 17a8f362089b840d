"""Sales users, customer accounts (with hierarchies and the odd incomplete address) and their contacts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from cpq_desktop.sandbox.salesforce.generator import directory
from cpq_desktop.sandbox.salesforce.generator.context import AccountInfo, GenContext
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE, at_time
from cpq_desktop.sandbox.salesforce.generator.directory import Locality
from cpq_desktop.sandbox.salesforce.generator.records import Ref

SALES_REPS: tuple[tuple[str, str], ...] = (
    ("Dana", "Whitfield"),
    ("Marco", "Bellini"),
    ("Aiko", "Mori"),
    ("Felix", "Hartmann"),
)


def add_sales_reps(ctx: GenContext) -> None:
    """Account owners; the integration user (``ctx.users[0]``) creates every record."""
    created = at_time(ANCHOR_DATE - timedelta(days=2300), 9, 0)
    for first, last in SALES_REPS:
        username = f"{first}.{last}@cpq-sandbox.example".lower()
        ctx.users.append(
            ctx.add(
                "User",
                {
                    "FirstName": first,
                    "LastName": last,
                    "Username": username,
                    "Email": username,
                    "Alias": (first[0] + last[:4]).lower(),
                    "IsActive": True,
                    "TimeZoneSidKey": "America/New_York",
                },
                at=created,
            )
        )


class AccountFactory:
    """Creates accounts with deterministic, unique names and, by default, a bill-to and a sold-to contact."""

    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        self._names: set[str] = set()
        self._count = 0

    def create(
        self,
        *,
        locality: Locality | None = None,
        parent: AccountInfo | None = None,
        billing_address: bool = True,
        shipping_address: bool = True,
        contacts: int = 2,
        account_type: str = "Customer - Direct",
        name: str | None = None,
    ) -> AccountInfo:
        ctx = self.ctx
        rng = ctx.rng
        self._count += 1
        place = locality or (parent_locality(parent) if parent else rng.choice(directory.LOCALITIES))
        account_name = name or self._unique_name(place)
        currency = place.currency if place.currency in ctx.currencies else ctx.currencies[0]
        billing = self._address(place) if billing_address else None
        # A sold-to site elsewhere in the same country for some accounts, the billing address for most.
        shipping = None
        if shipping_address:
            shipping = self._address(place) if rng.random() < 0.25 else billing
        owner = rng.choice(ctx.users[1:]) if len(ctx.users) > 1 else ctx.integration_user
        created = at_time(
            ANCHOR_DATE - timedelta(days=2100 - rng.randint(0, 200)), rng.randint(8, 18), rng.randint(0, 59)
        )
        slug = re.sub(r"[^a-z0-9]+", "", account_name.lower())[:24] or "customer"
        values: dict[str, object] = {
            "Name": account_name,
            "AccountNumber": f"CUST-{self._count:06d}",
            "ParentId": parent.ref if parent else None,
            "OwnerId": owner,
            "CurrencyIsoCode": currency,
            "Type": account_type,
            "Industry": rng.choice(directory.INDUSTRIES),
            "Phone": f"{place.phone_prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
            "Website": f"https://www.{slug}.example",
            "Description": f"{account_type} account managed from {place.city}.",
        }
        for prefix, address in (("Billing", billing), ("Shipping", shipping)):
            for part in ("Street", "City", "State", "PostalCode", "Country", "StateCode", "CountryCode"):
                values[f"{prefix}{part}"] = address[part] if address else None
        ref = ctx.add("Account", values, at=created)
        info = AccountInfo(
            ref=ref,
            name=account_name,
            currency=currency,
            billing=billing,
            shipping=shipping,
            owner=owner,
            kind=account_type,
            parent=parent,
        )
        for index in range(contacts):
            contact = self._contact(info, slug, billing, created + timedelta(days=1), buyer=index == 1)
            if index == 0:
                info.bill_to = contact
                info.sold_to = contact
            else:
                info.sold_to = contact
        return info

    def _unique_name(self, place: Locality) -> str:
        rng = self.ctx.rng
        for _ in range(20):
            candidate = (
                f"{rng.choice(directory.COMPANY_PREFIXES)} {rng.choice(directory.COMPANY_NOUNS)} "
                f"{rng.choice(directory.COMPANY_SUFFIXES)}"
            )
            if candidate not in self._names:
                break
        else:
            candidate = f"{candidate} {place.city} {self._count}"
        self._names.add(candidate)
        return candidate

    def _address(self, place: Locality) -> dict[str, str | None]:
        rng = self.ctx.rng
        street = f"{rng.randint(1, 2400)} {rng.choice(directory.STREET_NAMES)}"
        if rng.random() < 0.3:
            street += f"\nSuite {rng.randint(100, 1900)}"
        return {
            "Street": street,
            "City": place.city,
            "State": place.state,
            "PostalCode": place.postal_code,
            "Country": place.country,
            "StateCode": place.state_code,
            "CountryCode": place.country_code,
        }

    def _contact(
        self, account: AccountInfo, slug: str, address: dict[str, str | None] | None, created: datetime, *, buyer: bool
    ) -> Ref:
        ctx = self.ctx
        rng = ctx.rng
        first = rng.choice(directory.FIRST_NAMES)
        last = rng.choice(directory.LAST_NAMES)
        local = re.sub(r"[^a-z]+", "", f"{first}.{last}".lower().replace("ü", "ue").replace("é", "e"))
        title = rng.choice(directory.BUYER_TITLES if buyer else directory.BILLING_TITLES)
        mailing = address or {}
        return ctx.add(
            "Contact",
            {
                "AccountId": account.ref,
                "FirstName": first,
                "LastName": last,
                "Email": f"{local}{'.buyer' if buyer else ''}@{slug}.example",
                "Phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "MobilePhone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}" if buyer else None,
                "Title": title,
                "MailingStreet": mailing.get("Street"),
                "MailingCity": mailing.get("City"),
                "MailingState": mailing.get("State"),
                "MailingPostalCode": mailing.get("PostalCode"),
                "MailingCountry": mailing.get("Country"),
                "OwnerId": account.owner,
                "CurrencyIsoCode": account.currency,
            },
            at=created,
        )


def parent_locality(parent: AccountInfo) -> Locality:
    """Subsidiaries sit in the parent's country (and so trade in its currency)."""
    country = (parent.billing or {}).get("CountryCode")
    for place in directory.LOCALITIES:
        if place.country_code == country:
            return place
    return directory.LOCALITIES[0]
