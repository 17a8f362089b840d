"""The OAuth 2.0 endpoints of the org: authorize (a real login-and-allow page), token, revoke, identity.

Shapes follow salesforce-api.md §3: token errors are ``400 {"error", "error_description"}``; the token
response has ``instance_url`` without a trailing slash and no ``expires_in``; the web-server flow
redirects to the loopback callback with ``code`` and ``state`` (or ``error`` and ``error_description``).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography import x509
from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.salesforce.tokens import InvalidGrant, TokenGrant, TokenRegistry

_SUPPORTED_SCOPES = {"api", "refresh_token", "offline_access", "full", "id", "openid", "web", "profile", "email"}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Login | Salesforce (sandbox)</title>
<style>
 body {{ font-family: system-ui, sans-serif; background: #f3f3f3; margin: 0; }}
 main {{ max-width: 380px; margin: 8vh auto; background: #fff; padding: 28px 32px; border-radius: 6px;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
 h1 {{ font-size: 1.3em; margin-top: 0; }}
 label {{ display: block; margin: 14px 0 4px; font-size: .9em; }}
 input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: 8px; }}
 .error {{ color: #b00; background: #fee; padding: 8px; border-radius: 4px; }}
 .app {{ color: #555; font-size: .9em; }}
 .buttons {{ margin-top: 20px; display: flex; gap: 10px; }}
 button {{ padding: 8px 18px; }}
</style></head>
<body><main>
<h1>Log in to the sandbox org</h1>
<p class="app"><strong>{client}</strong> is asking to access your data (scopes: {scope}).
Allowing it lets the app read and change records as you.</p>
{error}
<form method="post" action="/services/oauth2/authorize">
{hidden}
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{username}" autocomplete="username" required>
<label for="pw">Password</label>
<input type="password" id="pw" name="pw" autocomplete="current-password">
<div class="buttons">
<button type="submit" name="action" value="allow">Log in and allow</button>
<button type="submit" name="action" value="deny" formnovalidate>Deny</button>
</div>
</form>
</main></body></html>
"""

_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Remote access error</title></head>
<body><h1>Remote access application error</h1><p><strong>{error}</strong>: {description}</p>
<p>Check the client id and the callback URL configured in the app; they must match the sandbox
connected app shown in <code>sandbox.json</code>.</p></body></html>
"""

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")

_FORWARDED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "display",
    "login_hint",
    "nonce",
)


def _token_error(error: str, description: str, status: int = 400) -> Response:
    return Response(
        json.dumps({"error": error, "error_description": description}),
        status=status,
        content_type="application/json;charset=UTF-8",
    )


class OAuthEndpoints:
    """WSGI handlers for ``/services/oauth2/*`` and the identity URL; ``base_url`` is the org's own URL."""

    def __init__(self, registry: TokenRegistry, base_url: Callable[[], str]) -> None:
        self.registry = registry
        self._base_url = base_url

    # -- authorize ---------------------------------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.args
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        app = self.registry.app
        if client_id != app.client_id:
            return self._error_page("OAUTH_EC_APP_NOT_FOUND", "client identifier invalid")
        if not app.redirect_allowed(redirect_uri):
            return self._error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        state = params.get("state")
        if params.get("response_type") != "code":
            return self._redirect_error(redirect_uri, state, "unsupported_response_type", "response type not supported")
        method = params.get("code_challenge_method") or ("S256" if params.get("code_challenge") else None)
        if method not in (None, "S256", "plain"):
            return self._redirect_error(redirect_uri, state, "invalid_request", "invalid code_challenge_method")
        scope = params.get("scope", "")
        unknown = set(scope.split()) - _SUPPORTED_SCOPES
        if unknown:
            return self._redirect_error(redirect_uri, state, "invalid_scope", "the requested scope is not allowed")
        if request.method == "GET":
            return self._login_page(params, error="")
        if params.get("action") == "deny":
            return self._redirect_error(redirect_uri, state, "access_denied", "end-user denied authorization")
        if not self.registry.check_password(params.get("username", ""), params.get("pw", ""), token_required=False):
            return self._login_page(
                params,
                error="Please check your username and password. If you still can't log in, "
                "read them from sandbox.json (credentials.salesforce).",
            )
        code = self.registry.issue_code(
            client_id=client_id,
            redirect_uri=redirect_uri,
            challenge=params.get("code_challenge") or None,
            challenge_method=method,
            scope=scope,
        )
        query = {"code": code}
        if state is not None:
            query["state"] = state
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})

    def _login_page(self, params: Mapping[str, str], *, error: str) -> Response:
        get = params.get
        hidden = "\n".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name], quote=True)}">'
            for name in _FORWARDED
            if name in params
        )
        body = _PAGE.format(
            client=html.escape(get("client_id", "")),
            scope=html.escape(get("scope", "") or "all scopes of the app"),
            error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
            hidden=hidden,
            username=html.escape(get("username") or get("login_hint") or "", quote=True),
        )
        return Response(
            body,
            content_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
        )

    @staticmethod
    def _error_page(error: str, description: str) -> Response:
        body = _ERROR_PAGE.format(error=html.escape(error), description=html.escape(description))
        return Response(body, status=400, content_type="text/html; charset=utf-8")

    @staticmethod
    def _redirect_error(redirect_uri: str, state: str | None, error: str, description: str) -> Response:
        query = {"error": error, "error_description": description}
        if state is not None:
            query["state"] = state
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})

    # -- token -------------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        if request.method != "POST":
            return _token_error("invalid_request", "must use HTTP POST", status=405)
        form = request.form
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret")
        basic = _basic_auth(request)
        if basic is not None:
            client_id, client_secret = basic
        grant_type = form.get("grant_type", "")
        try:
            if grant_type == "authorization_code":
                grant = self.registry.redeem_code(
                    code=form.get("code", ""),
                    client_id=client_id,
                    client_secret=client_secret,
                    redirect_uri=form.get("redirect_uri", ""),
                    verifier=form.get("code_verifier"),
                )
            elif grant_type == "refresh_token":
                grant = self.registry.refresh(
                    refresh_token=form.get("refresh_token", ""), client_id=client_id, client_secret=client_secret
                )
            elif grant_type == "password":
                if client_secret is None:
                    raise InvalidGrant("invalid_client", "invalid client credentials")
                self.registry.check_client(client_id, client_secret)
                if not self.registry.check_password(
                    form.get("username", ""), form.get("password", ""), token_required=True
                ):
                    raise InvalidGrant("invalid_grant", "authentication failure")
                grant = self.registry.issue_session(client_id, "api")
            elif grant_type == JWT_BEARER:
                grant = self._jwt_bearer(form.get("assertion", ""))
            elif grant_type == "client_credentials":
                if client_secret is None:
                    raise InvalidGrant("invalid_client", "invalid client credentials")
                self.registry.check_client(client_id, client_secret)
                grant = self.registry.issue_session(client_id, "api")
            else:
                raise InvalidGrant("unsupported_grant_type", "grant type not supported")
        except InvalidGrant as exc:
            return _token_error(exc.error, exc.description)
        return self._token_response(grant)

    def _jwt_bearer(self, assertion: str) -> TokenGrant:
        """The JWT bearer flow: ``iss`` the client id, ``sub`` the username, ``aud`` a login host, ``exp`` ahead."""
        app = self.registry.app
        try:
            if app.jwt_public_key is None:
                claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
            else:
                key: Any = app.jwt_public_key
                if "BEGIN CERTIFICATE" in key:
                    key = x509.load_pem_x509_certificate(key.encode()).public_key()
                claims = jwt.decode(
                    assertion, key, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
                )
        except (jwt.PyJWTError, ValueError):
            raise InvalidGrant("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != app.client_id:
            raise InvalidGrant("invalid_client_id", "client identifier invalid")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        allowed = {*_JWT_AUDIENCES, self._base_url()}
        if not any(isinstance(a, str) and a.rstrip("/") in allowed for a in audiences):
            raise InvalidGrant("invalid_grant", "audience is invalid")
        try:
            # simple-salesforce sends exp as a string of seconds; the real endpoint takes both.
            expires = float(claims.get("exp"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidGrant("invalid_grant", "invalid assertion") from None
        if expires < time.time():
            raise InvalidGrant("invalid_grant", "expired assertion")
        subject = claims.get("sub")
        if not isinstance(subject, str) or subject.lower() != self.registry.user.username.lower():
            raise InvalidGrant("invalid_grant", "user hasn't approved this consumer")
        return self.registry.issue_session(app.client_id, "api")

    def _token_response(self, grant: TokenGrant) -> Response:
        identity = self.identity_url()
        body: dict[str, str] = {"access_token": grant.access_token}
        if grant.refresh_token is not None:
            body["refresh_token"] = grant.refresh_token
        body.update(
            {
                "signature": self.registry.signature(identity, grant.issued_at_ms),
                "scope": grant.scope,
                "instance_url": self._base_url(),
                "id": identity,
                "token_type": "Bearer",
                "issued_at": str(grant.issued_at_ms),
            }
        )
        return Response(
            json.dumps(body),
            content_type="application/json;charset=UTF-8",
            headers={"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private", "Pragma": "no-cache"},
        )

    # -- revoke ------------------------------------------------------------------------------------

    def revoke(self, request: Request) -> Response:
        token = request.form.get("token") if request.method == "POST" else request.args.get("token")
        if not token:
            return _token_error("unsupported_token_type", "this token type is not supported")
        if not self.registry.revoke(token):
            return _token_error("invalid_token", "invalid token")
        return Response(status=200)

    # -- identity ----------------------------------------------------------------------------------

    def identity_url(self) -> str:
        user = self.registry.user
        return f"{self._base_url()}/id/{user.org_id}/{user.user_id}"

    def identity(self, request: Request, org_id: str, user_id: str) -> Response:
        user = self.registry.user
        if not self._bearer_ok(request):
            return Response("Bad_OAuth_Token", status=403, content_type="text/plain")
        if org_id[:15] != user.org_id[:15] or user_id[:15] != user.user_id[:15]:
            return Response("Bad_Id", status=404, content_type="text/plain")
        base = self._base_url()
        body = {
            "id": self.identity_url(),
            "asserted_user": True,
            "user_id": user.user_id,
            "organization_id": user.org_id,
            "username": user.username,
            "nick_name": user.username.split("@")[0],
            "display_name": user.display_name,
            "email": user.email,
            "email_verified": True,
            "first_name": user.display_name.split(" ")[0],
            "last_name": user.display_name.split(" ")[-1],
            "timezone": "GMT",
            "active": True,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
            "urls": {
                "enterprise": f"{base}/services/Soap/c/{{version}}/{user.org_id[:15]}",
                "partner": f"{base}/services/Soap/u/{{version}}/{user.org_id[:15]}",
                "rest": f"{base}/services/data/v{{version}}/",
                "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
                "query": f"{base}/services/data/v{{version}}/query/",
                "profile": f"{base}/{user.user_id}",
            },
        }
        return Response(json.dumps(body), content_type="application/json;charset=UTF-8")

    def userinfo(self, request: Request) -> Response:
        user = self.registry.user
        if not self._bearer_ok(request):
            return Response("Bad_OAuth_Token", status=403, content_type="text/plain")
        body = {
            "sub": self.identity_url(),
            "user_id": user.user_id,
            "organization_id": user.org_id,
            "preferred_username": user.username,
            "nickname": user.username.split("@")[0],
            "name": user.display_name,
            "email": user.email,
            "email_verified": True,
            "zoneinfo": "GMT",
            "locale": "en_US",
            "language": "en_US",
            "active": True,
            "user_type": "STANDARD",
        }
        return Response(json.dumps(body), content_type="application/json;charset=UTF-8")

    def _bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else request.args.get("oauth_token", "")
        return bool(token) and self.registry.is_valid(token)


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None
