"""CPQ Billing Connector Desktop: push Salesforce CPQ data into Zuora Billing through the Orders API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cpq-billing-connector-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
