"""Usage tier boundary conversion with the examples of connector-spec §2.6."""

from __future__ import annotations

from decimal import Decimal

from cpq_desktop.core.mapping import TierBounds, convert_tier_bounds, smallest_unit

D = Decimal


def test_whole_units_lower_every_upper_bound_but_the_last() -> None:
    tiers = convert_tier_bounds([(D(185), D(999)), (D(0), D(185))], unit=smallest_unit(0), increment_upper_bound=False)
    assert tiers == [TierBounds(1, D(0), D(184)), TierBounds(2, D(185), D(999))]


def test_two_decimal_units_subtract_a_hundredth() -> None:
    tiers = convert_tier_bounds(
        [(D("0"), D("185.00")), (D("185.00"), D("999"))], unit=smallest_unit(2), increment_upper_bound=False
    )
    assert [(t.starting_unit, t.ending_unit) for t in tiers] == [(D("0"), D("184.99")), (D("185.00"), D("999"))]


def test_increment_option_raises_the_next_lower_bound_instead() -> None:
    tiers = convert_tier_bounds(
        [(D("0"), D("185.00")), (D("185.00"), D("999"))], unit=smallest_unit(2), increment_upper_bound=True
    )
    assert [(t.starting_unit, t.ending_unit) for t in tiers] == [(D("0"), D("185.00")), (D("185.01"), D("999"))]


def test_an_open_last_tier_stays_open() -> None:
    tiers = convert_tier_bounds([(D(0), D(100)), (D(100), None)], unit=D(1), increment_upper_bound=False)
    assert tiers[-1] == TierBounds(2, D(100), None)
