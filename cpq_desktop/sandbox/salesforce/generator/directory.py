"""Word lists for believable customer accounts, people and postal addresses.

Addresses are real city/state/postal-code combinations so that tax and address validation in a
billing system downstream would accept them. Every locality has a state or region (ISO 3166-2 code):
the connector needs country and state on a billing address (connector-spec §2.1), and the accounts
generated without an address cover the failure case. Each country carries the currency its accounts trade in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locality:
    city: str
    state: str
    state_code: str
    postal_code: str
    country: str
    country_code: str
    currency: str
    phone_prefix: str


LOCALITIES: tuple[Locality, ...] = (
    Locality("San Francisco", "California", "CA", "94105", "United States", "US", "USD", "+1 415"),
    Locality("Austin", "Texas", "TX", "78701", "United States", "US", "USD", "+1 512"),
    Locality("New York", "New York", "NY", "10001", "United States", "US", "USD", "+1 212"),
    Locality("Chicago", "Illinois", "IL", "60601", "United States", "US", "USD", "+1 312"),
    Locality("Seattle", "Washington", "WA", "98101", "United States", "US", "USD", "+1 206"),
    Locality("Boston", "Massachusetts", "MA", "02110", "United States", "US", "USD", "+1 617"),
    Locality("Denver", "Colorado", "CO", "80202", "United States", "US", "USD", "+1 303"),
    Locality("Atlanta", "Georgia", "GA", "30303", "United States", "US", "USD", "+1 404"),
    Locality("Toronto", "Ontario", "ON", "M5H 2N2", "Canada", "CA", "USD", "+1 416"),
    Locality("London", "England", "ENG", "EC2A 4NE", "United Kingdom", "GB", "GBP", "+44 20"),
    Locality("Manchester", "England", "ENG", "M1 1AE", "United Kingdom", "GB", "GBP", "+44 161"),
    Locality("Edinburgh", "Scotland", "SCT", "EH2 2ER", "United Kingdom", "GB", "GBP", "+44 131"),
    Locality("Berlin", "Berlin", "BE", "10117", "Germany", "DE", "EUR", "+49 30"),
    Locality("Munich", "Bavaria", "BY", "80331", "Germany", "DE", "EUR", "+49 89"),
    Locality("Paris", "Île-de-France", "IDF", "75002", "France", "FR", "EUR", "+33 1"),
    Locality("Amsterdam", "North Holland", "NH", "1012 JS", "Netherlands", "NL", "EUR", "+31 20"),
    Locality("Dublin", "Dublin", "D", "D02 X285", "Ireland", "IE", "EUR", "+353 1"),
    Locality("Madrid", "Community of Madrid", "MD", "28013", "Spain", "ES", "EUR", "+34 91"),
    Locality("Tokyo", "Tokyo", "13", "100-0005", "Japan", "JP", "JPY", "+81 3"),
    Locality("Osaka", "Osaka", "27", "530-0001", "Japan", "JP", "JPY", "+81 6"),
)

STREET_NAMES: tuple[str, ...] = (
    "Market Street",
    "Main Street",
    "Harbour Road",
    "Station Road",
    "Mission Street",
    "Congress Avenue",
    "Oak Lane",
    "Park Avenue",
    "King Street",
    "Elm Street",
    "Riverside Drive",
    "Hauptstrasse",
    "Rue de Rivoli",
    "High Street",
    "Commerce Way",
    "Innovation Drive",
)

COMPANY_PREFIXES: tuple[str, ...] = (
    "Acme",
    "Blue Harbor",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Vandelay",
    "Hooli",
    "Pied Piper",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Wonka",
    "Gringotts",
    "Oceanic",
    "Massive Dynamic",
    "Monarch",
    "Sterling",
    "Bluth",
    "Dunder",
    "Prestige",
    "Summit",
    "Evergreen",
    "Redwood",
    "Silverline",
    "Brightpath",
    "Cobalt",
    "Ironclad",
    "Lumen",
)

COMPANY_NOUNS: tuple[str, ...] = (
    "Analytics",
    "Logistics",
    "Health",
    "Robotics",
    "Foods",
    "Energy",
    "Media",
    "Capital",
    "Software",
    "Manufacturing",
    "Labs",
    "Retail",
    "Biotech",
    "Aerospace",
    "Consulting",
    "Networks",
)

COMPANY_SUFFIXES: tuple[str, ...] = ("Inc.", "LLC", "Ltd", "GmbH", "Corp.", "Group", "plc", "S.A.")

INDUSTRIES: tuple[str, ...] = ("Technology", "Manufacturing", "Finance", "Healthcare", "Retail", "Education")

FIRST_NAMES: tuple[str, ...] = (
    "Ava",
    "Liam",
    "Sofia",
    "Noah",
    "Mia",
    "Lucas",
    "Emma",
    "Mateo",
    "Chloe",
    "Hiro",
    "Ingrid",
    "Omar",
    "Priya",
    "Jonas",
    "Amélie",
    "Sean",
    "Yuki",
    "Carlos",
    "Fatima",
    "Grace",
)

LAST_NAMES: tuple[str, ...] = (
    "Nguyen",
    "Smith",
    "Müller",
    "García",
    "O'Brien",
    "Tanaka",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Johnson",
    "Patel",
    "Andersson",
    "Brown",
    "Silva",
    "Cohen",
    "Walker",
)

BILLING_TITLES: tuple[str, ...] = ("Accounts Payable Manager", "Controller", "Finance Director", "CFO")
BUYER_TITLES: tuple[str, ...] = ("VP Operations", "IT Director", "Head of Procurement", "CTO", "COO")
