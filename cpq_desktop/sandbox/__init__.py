"""An emulated Salesforce CPQ org and Zuora tenant that speak the real wire formats over HTTPS on loopback.

This package is an independent fake of the outside world: it never imports ``cpq_desktop.core`` or
``cpq_desktop.ui``.
"""
