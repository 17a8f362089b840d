"""Shared fixtures of the core tests (the extraction tests' sandbox orgs live in :mod:`.extract_fixtures`)."""

from tests.core.extract_fixtures import big_org, extract_tls, small_org

__all__ = ["big_org", "extract_tls", "small_org"]
