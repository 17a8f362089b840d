"""A certificate authority per sandbox, so that the real clients verify TLS against a file we write."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class SandboxTLS:
    """The CA file clients trust and the server-side SSL context for 127.0.0.1 / localhost."""

    ca_file: Path
    server_context: ssl.SSLContext


def create_tls(data_dir: Path) -> SandboxTLS:
    """Generate a fresh CA and a server certificate, write the CA to ``data_dir/ca.pem``.

    A new CA per start is deliberate: nothing outside the sandbox trusts it, and clients read the path
    from ``sandbox.json`` every time.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="CPQ Billing Connector Desktop sandbox")
    leaf = ca.issue_cert("127.0.0.1", "localhost", "::1")
    ca_file = data_dir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    return SandboxTLS(ca_file=ca_file, server_context=context)
