"""Zuora Billing REST client: OAuth client credentials, retries, idempotency, error classification."""
