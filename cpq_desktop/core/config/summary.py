"""One-line descriptions of where the app is pointed, for the status bar and the CLI."""

from __future__ import annotations

from cpq_desktop.core.config.models import Profile

NO_PROFILE = "No profile yet — create one on the Connections tab"


def connection_summary(profile: Profile | None, *, sandbox: bool = False) -> str:
    """``Sandbox: Salesforce https://127.0.0.1:1234 · Zuora https://127.0.0.1:5678`` and the like."""
    if profile is None:
        return NO_PROFILE
    prefix = "Sandbox" if sandbox else f"Profile {profile.name}"
    return f"{prefix}: Salesforce {profile.salesforce.login_url} · Zuora {profile.zuora.base_url}"
