"""Start both emulators together and describe them in ``sandbox.json``.

``sandbox.json`` is the contract with clients (the app's ``--sandbox`` mode, tests, users' scripts):
``salesforce_url``, ``zuora_url``, ``ca_file`` and the ``credentials`` of both sides.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpq_desktop.sandbox.faults import FaultSettings
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant


@dataclass
class SandboxOptions:
    orders: int = 50
    seed: int = 1
    latency_ms: float = 0.0
    zuora_concurrency: int | None = None
    salesforce_port: int = 0
    zuora_port: int = 0


class Sandbox:
    """Both emulators, sharing one CA, one data dir and one ``sandbox.json``."""

    def __init__(self, data_dir: Path, options: SandboxOptions | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.options = options or SandboxOptions()
        self.tls = create_tls(self.data_dir)
        self.salesforce = SalesforceOrg(
            self.data_dir / "salesforce",
            self.tls,
            port=self.options.salesforce_port,
            faults=FaultSettings(latency_ms=self.options.latency_ms),
        )
        self.zuora = ZuoraTenant(
            self.data_dir / "zuora",
            self.tls,
            port=self.options.zuora_port,
            faults=FaultSettings(latency_ms=self.options.latency_ms),
            concurrency_limit=self.options.zuora_concurrency,
        )

    def start(self) -> dict[str, Any]:
        self.salesforce.generate(orders=self.options.orders, seed=self.options.seed)
        self.salesforce.start()
        self.zuora.start()
        info = self.info()
        path = self.data_dir / "sandbox.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, path)
        return info

    def info(self) -> dict[str, Any]:
        return {
            "salesforce_url": self.salesforce.url,
            "zuora_url": self.zuora.url,
            "ca_file": str(self.tls.ca_file),
            "credentials": {
                "salesforce": self.salesforce.credentials(),
                "zuora": self.zuora.credentials(),
            },
        }

    def stop(self) -> None:
        self.zuora.stop()
        self.salesforce.stop()
