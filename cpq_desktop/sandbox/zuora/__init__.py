"""The emulated Zuora Billing tenant: OAuth, accounts, catalog and the Orders API over HTTPS on loopback."""
