"""The built-in sandbox as a profile: custom URLs on loopback plus the sandbox's own CA file.

``sandbox.json`` (written by ``cpq-desktop sandbox serve`` and by ``--sandbox``) is read as plain JSON;
core never imports the sandbox package, it only relies on that file's documented shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cpq_desktop.core.config.models import (
    Profile,
    SalesforceAuthMethod,
    SalesforceEnvironment,
    SalesforceSettings,
    ZuoraEnvironment,
    ZuoraSettings,
)

SANDBOX_PROFILE_NAME = "Built-in sandbox"
SANDBOX_PROFILE_ID = "builtin-sandbox"


class SandboxInfoError(Exception):
    """``sandbox.json`` is missing or unreadable; ``str()`` says which file and why."""


class SandboxInfo(BaseModel):
    # The sandbox may add fields (fault knobs, ports) without breaking older readers.
    model_config = ConfigDict(extra="ignore", frozen=True)

    salesforce_url: str
    zuora_url: str
    ca_file: Path
    credentials: dict[str, dict[str, Any]] = Field(default_factory=dict)


def load_sandbox_info(sandbox_dir: Path) -> SandboxInfo:
    path = sandbox_dir / "sandbox.json"
    try:
        return SandboxInfo.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise SandboxInfoError(f"{path} does not exist: is the sandbox running?") from None
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise SandboxInfoError(f"{path} cannot be read ({type(exc).__name__}); restart the sandbox") from None


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    return value if isinstance(value, str) else ""


def _redirect_port(values: dict[str, Any]) -> int | None:
    try:
        return urlsplit(_text(values, "redirect_uri")).port
    except ValueError:
        return None


def sandbox_profile(info: SandboxInfo) -> Profile:
    """A profile pointing at a running sandbox. It holds no secrets: those stay in ``sandbox.json``."""
    salesforce_login = info.credentials.get("salesforce", {})
    zuora_login = info.credentials.get("zuora", {})
    return Profile(
        id=SANDBOX_PROFILE_ID,
        name=SANDBOX_PROFILE_NAME,
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.CUSTOM,
            custom_url=info.salesforce_url,
            auth_method=SalesforceAuthMethod.PASSWORD,
            client_id=_text(salesforce_login, "client_id"),
            username=_text(salesforce_login, "username"),
            callback_port=_redirect_port(salesforce_login) or SalesforceSettings().callback_port,
            ca_file=info.ca_file,
        ),
        zuora=ZuoraSettings(
            environment=ZuoraEnvironment.CUSTOM,
            custom_base_url=info.zuora_url,
            client_id=_text(zuora_login, "client_id"),
            ca_file=info.ca_file,
        ),
    )
