"""HTTP posts to addresses a definition names, guarded against server-side request forgery.

A webhook URL comes from a form designer, not from the operators, so it must not reach the
platform's own network: the host is resolved once, every address it resolves to must be
public (not loopback, private, link-local, multicast or reserved) unless the host or the
address is on the operators' allow-list, and the connection goes to the address that was
checked (no second lookup for DNS rebinding to exploit). Redirects are not followed.

IPv6 has several ways to carry an IPv4 address (mapped, translated, NAT64, 6to4, Teredo, the
deprecated "compatible" form). Python calls most of them global, yet a host may route them
to the IPv4 address inside (``[::ffff:0:127.0.0.1]`` reaches loopback through a NAT64 or
SIIT translator), so every address in these prefixes is refused, naming what it embeds.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# IPv6 prefixes that embed an IPv4 address (issue 17, defect 11).
_IPV4_CARRIERS = tuple(
    ipaddress.IPv6Network(prefix)
    for prefix in (
        "::ffff:0:0/96",  # IPv4-mapped (RFC 4291)
        "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765, SIIT)
        "64:ff9b::/96",  # NAT64 well-known prefix (RFC 6052)
        "64:ff9b:1::/48",  # NAT64 local-use prefix (RFC 8215)
        "2002::/16",  # 6to4 (RFC 3056)
        "2001::/32",  # Teredo (RFC 4380)
        "::/96",  # IPv4-compatible, deprecated (RFC 4291): ::127.0.0.1
    )
)


class RefusedAddressError(ValueError):
    """The URL may not be called (scheme, or an address not allowed)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks the operators allow despite being private (``OA_WEBHOOK_ALLOW``)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """The list from its entries (host names, addresses, networks; blanks ignored).

        ``entries`` is a list such as ``config.py`` makes of ``OA_WEBHOOK_ALLOW``; a single
        string is refused, since iterating it would allow its characters, not its hosts.
        """
        if isinstance(entries, str):
            raise TypeError("AllowList.parse takes a list of entries, not one string")
        hosts, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower())
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        return host.lower() in self.hosts or any(address in net for net in self.networks)


def check_url(url: str, allow: AllowList) -> tuple[str, int, Address, str]:
    """(scheme, port, the checked address, host) for ``url``, or :class:`RefusedAddressError`."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RefusedAddressError(f"only http and https URLs may be called, not {url!r}")
    if parts.username or parts.password:
        raise RefusedAddressError("credentials in the URL are not allowed")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise RefusedAddressError(f"{host} cannot be resolved ({error})") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if allow.allows(host, address):
            continue
        carrier = ipv4_carrier(address)
        if carrier is not None:
            raise RefusedAddressError(
                f"{host} resolves to {address}, an IPv6 address that carries an IPv4 address"
                f" ({carrier}); call the IPv4 address itself, or an operator may allow it in"
                " OA_WEBHOOK_ALLOW"
            )
        if not address.is_global:
            raise RefusedAddressError(
                f"{host} resolves to {address}, a private or local address; "
                "an operator may allow it in OA_WEBHOOK_ALLOW"
            )
    return parts.scheme, port, addresses[0], host


def ipv4_carrier(address: Address) -> str | None:
    """The IPv4 address (or prefix) ``address`` embeds when it is in one of the IPv6
    translation prefixes, else None."""
    if not isinstance(address, ipaddress.IPv6Address) or int(address) <= 1:
        return None  # :: and ::1 are IPv6's own unspecified and loopback addresses
    for network in _IPV4_CARRIERS:
        if address in network:
            if network.prefixlen == 16:  # 6to4: the IPv4 address follows the prefix
                return str(address.sixtofour)
            if network.prefixlen == 32:  # Teredo: the server's address, the client hidden
                return f"Teredo via {address.teredo[0]}" if address.teredo else "Teredo"
            return str(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return None


def post_json(
    url: str, payload: Mapping[str, Any], *, allow: AllowList, timeout: float
) -> Response:
    """POST ``payload`` as JSON to ``url`` after :func:`check_url`; raises on refusal and on
    network errors (``OSError``), returns any HTTP answer."""
    scheme, port, address, host = check_url(url, allow)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(scheme, host, str(address), port, timeout)
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": parts.netloc.rsplit("@", 1)[-1],
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "oa-platform-webhook/1",
            },
        )
        answer = connection.getresponse()
        text = answer.read(1_000_000).decode("utf-8", "replace")
        return Response(answer.status, text)
    finally:
        connection.close()


def _connection(scheme: str, host: str, address: str, port: int, timeout: float):
    if scheme == "http":
        return http.client.HTTPConnection(address, port, timeout=timeout)
    return _PinnedHTTPSConnection(host, address, port, timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
