"""The partner SOAP ``login()`` call, as simple-salesforce sends it and parses the answer (salesforce-api.md §1.6).

The reply puts the partner namespace in a default ``xmlns`` so that ``sessionId`` and ``serverUrl`` are
unprefixed (simple-salesforce looks them up by qualified tag name); faults carry the ``sf:`` prefix it
expects on ``exceptionCode`` and ``exceptionMessage``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.salesforce.tokens import TokenRegistry

# SOAP login is gone from API v65.0 on (salesforce-api.md §3.5).
FIRST_VERSION_WITHOUT_SOAP_LOGIN = 65.0

_FAULT = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>{code}</faultcode><faultstring>{code}: {message}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>\
</soapenv:Body></soapenv:Envelope>"""

_SUCCESS = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org15}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>true</sandbox>\
<serverUrl>{base}/services/Soap/u/{version}/{org15}</serverUrl>\
<sessionId>{session}</sessionId><userId>{user_id}</userId>\
<userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>$</currencySymbol>\
<orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD\
</orgDefaultCurrencyIsoCode><orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>\
<orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>{org_id}</organizationId>\
<organizationMultiCurrency>false</organizationMultiCurrency><organizationName>CPQ Sandbox Org\
</organizationName><profileId>00e000000000001AAA</profileId><roleId xsi:nil="true"/>\
<sessionSecondsValid>{seconds}</sessionSecondsValid><userDefaultCurrencyIsoCode xsi:nil="true"/>\
<userEmail>{email}</userEmail><userFullName>{name}</userFullName><userId>{user_id}</userId>\
<userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>{username}</userName>\
<userTimeZone>GMT</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin>\
</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""


def _fault(code: str, message: str, status: int = 500) -> Response:
    return Response(
        _FAULT.format(code=code, message=escape(message)), status=status, content_type="text/xml;charset=UTF-8"
    )


def server_fault(status: int) -> Response:
    """An injected server failure as the SOAP endpoint words it."""
    if status == 503:
        return _fault("SERVER_UNAVAILABLE", "Server temporarily unavailable; retry later.", status)
    return _fault("UNKNOWN_EXCEPTION", "An unexpected error occurred; retry later.", status)


def _text(root: ET.Element, local_name: str) -> str | None:
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == local_name:
            return element.text or ""
    return None


class SoapLogin:
    """``POST /services/Soap/u/{version}`` with a ``login`` envelope."""

    def __init__(self, registry: TokenRegistry, base_url: Callable[[], str]) -> None:
        self.registry = registry
        self._base_url = base_url

    def login(self, request: Request, version: str) -> Response:
        try:
            number = float(version)
        except ValueError:
            return _fault("UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}")
        if number >= FIRST_VERSION_WITHOUT_SOAP_LOGIN:
            return _fault(
                "UNSUPPORTED_API_VERSION",
                f"login() is not available in API version {version}; use OAuth, or API version 64.0 or earlier",
            )
        try:
            root = ET.fromstring(request.get_data())
        except ET.ParseError:
            return _fault("INVALID_LOGIN", "Invalid login request: the body is not a SOAP envelope")
        username, password = _text(root, "username"), _text(root, "password")
        if username is None or password is None:
            return _fault("INVALID_LOGIN", "Invalid login request: username and password are required")
        user = self.registry.user
        organization = _text(root, "organizationId")
        if organization is not None:
            # The organizationId variant (trusted IP range): no security token, but the org must match.
            ok = organization[:15] == user.org_id[:15] and self.registry.check_password(
                username, password, token_required=False
            )
        else:
            ok = self.registry.check_password(username, password, token_required=True)
        if not ok:
            return _fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
        grant = self.registry.issue_session("soap")
        body = _SUCCESS.format(
            base=self._base_url(),
            version=version,
            org15=user.org_id[:15],
            org_id=user.org_id,
            session=grant.access_token,
            user_id=user.user_id,
            seconds=int(self.registry.session_timeout_s),
            email=escape(user.email),
            name=escape(user.display_name),
            username=escape(user.username),
        )
        return Response(body, content_type="text/xml;charset=UTF-8")
