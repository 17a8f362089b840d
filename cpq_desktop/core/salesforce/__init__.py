"""Salesforce access: OAuth (browser + PKCE, refresh, revoke, password, JWT) and simple-salesforce sessions."""
