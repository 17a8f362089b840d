"""Country and state names Zuora accepts on contacts (a practical subset of ISO 3166).

Zuora validates ``country`` against its country list (name or ISO code) and, for the United States and
Canada, ``state`` against the state/province list. The emulator keeps the countries a CPQ org
typically bills and every US state and Canadian province.
"""

from __future__ import annotations

# (name, alpha-2, alpha-3)
COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("United States", "US", "USA"),
    ("Canada", "CA", "CAN"),
    ("Mexico", "MX", "MEX"),
    ("Brazil", "BR", "BRA"),
    ("Argentina", "AR", "ARG"),
    ("Chile", "CL", "CHL"),
    ("Colombia", "CO", "COL"),
    ("United Kingdom", "GB", "GBR"),
    ("Ireland", "IE", "IRL"),
    ("France", "FR", "FRA"),
    ("Germany", "DE", "DEU"),
    ("Netherlands", "NL", "NLD"),
    ("Belgium", "BE", "BEL"),
    ("Luxembourg", "LU", "LUX"),
    ("Switzerland", "CH", "CHE"),
    ("Austria", "AT", "AUT"),
    ("Italy", "IT", "ITA"),
    ("Spain", "ES", "ESP"),
    ("Portugal", "PT", "PRT"),
    ("Denmark", "DK", "DNK"),
    ("Sweden", "SE", "SWE"),
    ("Norway", "NO", "NOR"),
    ("Finland", "FI", "FIN"),
    ("Iceland", "IS", "ISL"),
    ("Poland", "PL", "POL"),
    ("Czech Republic", "CZ", "CZE"),
    ("Hungary", "HU", "HUN"),
    ("Romania", "RO", "ROU"),
    ("Greece", "GR", "GRC"),
    ("Turkey", "TR", "TUR"),
    ("Israel", "IL", "ISR"),
    ("United Arab Emirates", "AE", "ARE"),
    ("Saudi Arabia", "SA", "SAU"),
    ("South Africa", "ZA", "ZAF"),
    ("Nigeria", "NG", "NGA"),
    ("Egypt", "EG", "EGY"),
    ("India", "IN", "IND"),
    ("China", "CN", "CHN"),
    ("Hong Kong", "HK", "HKG"),
    ("Taiwan", "TW", "TWN"),
    ("Japan", "JP", "JPN"),
    ("Korea, Republic of", "KR", "KOR"),
    ("Singapore", "SG", "SGP"),
    ("Malaysia", "MY", "MYS"),
    ("Thailand", "TH", "THA"),
    ("Indonesia", "ID", "IDN"),
    ("Philippines", "PH", "PHL"),
    ("Vietnam", "VN", "VNM"),
    ("Australia", "AU", "AUS"),
    ("New Zealand", "NZ", "NZL"),
)

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
}  # fmt: skip

CA_PROVINCES: dict[str, str] = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip

_BY_KEY: dict[str, str] = {}
for _name, _a2, _a3 in COUNTRIES:
    for _key in (_name, _a2, _a3):
        _BY_KEY[_key.lower()] = _name
_BY_KEY["usa"] = "United States"
_BY_KEY["united states of america"] = "United States"
_BY_KEY["uk"] = "United Kingdom"


def country_name(value: str) -> str | None:
    """The canonical country name for a name or ISO code, or None if Zuora would refuse it."""
    return _BY_KEY.get(value.strip().lower())


def state_problem(country: str, state: str | None) -> str | None:
    """Why ``state`` is not acceptable for ``country`` (canonical name), or None."""
    table = {"United States": US_STATES, "Canada": CA_PROVINCES}.get(country)
    if table is None or not state:
        return None
    names = {n.lower() for n in table.values()}
    if state.strip().upper() in table or state.strip().lower() in names:
        return None
    return f"'{state}' is not a valid state or province of {country}"
