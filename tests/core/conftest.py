"""Shared fixtures of the core tests (the extraction tests' sandbox orgs live in :mod:`.extract_fixtures`,
the running sandbox of the sync tests in :mod:`.sync_fixtures`)."""

from tests.core.extract_fixtures import big_org, extract_tls, small_org
from tests.core.sync_fixtures import connections, sandbox

__all__ = ["big_org", "connections", "extract_tls", "sandbox", "small_org"]
