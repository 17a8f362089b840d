"""The emulated Zuora Billing tenant: OAuth, accounts, catalog and the Orders API over HTTPS on loopback.

Speaks the Zuora REST wire format (``/work/shared/reference/zuora-api.md``) so the real clients run
unmodified against it; keeps its state in one SQLite file (``<data dir>/tenant.sqlite3``) that survives
restarts.

Layout:
  server.py        ``ZuoraTenant``: start/stop, url, credentials, run-time knobs for tests
  app.py           the WSGI pipeline (ids, auth, versions, limits, faults, idempotency) and route list
  routing.py       router, request object, error rendering per API family
  store.py         the SQLite store; settings.py the tenant settings; errors.py codes and shapes
  oauth.py         ``POST /oauth/token``; tokens.py credentials and bearer tokens
  accounts.py, contacts.py, account_records.py       ``/v1/accounts``, ``/v1/contacts``
  catalog.py, catalog_read.py, catalog_records.py    ``/v1/object/*`` CRUD and the catalog read APIs
  object_query.py  ``/object-query/*``; zoql.py ``/v1/action/query`` + ``queryMore``
  describe.py      ``/v1/describe``; control.py the guarded ``/sandbox/*`` control API
  orders*.py, subscriptions*.py                      the Orders API and subscriptions

Control API (HTTP Basic with the tenant's client id and secret; never subject to injected faults):
``GET/PATCH /sandbox/settings``, ``GET/PATCH /sandbox/faults``, ``POST /sandbox/tokens/expire``.
"""
