"""What may be fetched: only http(s), and only hosts whose every address is public.

Every URL comes from the open web. The host is resolved here and refused if
any of its addresses is not public, unless it is on the allow-list. Public
means what :mod:`ipaddress` calls global (the IANA special-purpose registries'
"globally reachable") and outside :data:`NON_PUBLIC_NETWORKS`, blocks that
some or all Python versions call global; an IPv6 address that stands for an
IPv4 one (mapped, 6to4, Teredo) is judged by that IPv4 address. The client
then connects to the very address that was checked (the original host name
is still sent as ``Host`` and used for TLS SNI and certificate checks), so a
DNS answer that changes between check and connect cannot smuggle us inside.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna

from newsflow.acquire.http.errors import FetchFailed, FetchRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Cloud metadata endpoints, named so that a refusal says what was aimed at
#: (each is refused anyway): AWS, GCP, Azure and others at 169.254.169.254,
#: AWS's IPv6 one, Oracle Cloud Classic's and Alibaba Cloud's.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "192.0.0.192", "100.100.100.200")
)
#: Blocks refused whatever this Python's :mod:`ipaddress` says of them: its
#: tables change between releases, and 3.11.7 calls fec0::/10, 3fff::/20 and
#: most of 192.0.0.0/24 global.
NON_PUBLIC_NETWORKS: tuple[tuple[IPNetwork, str], ...] = (
    # IETF protocol assignments (RFC 6890): DS-Lite, NAT64 discovery, the odd
    # metadata service; the two anycast addresses in it serve no web page either.
    (ipaddress.ip_network("192.0.0.0/24"), "ietf_protocol"),
    # Site-local (deprecated by RFC 3879, still routed inside some networks).
    (ipaddress.ip_network("fec0::/10"), "site_local"),
    # Documentation (RFC 9637), beside 2001:db8::/32.
    (ipaddress.ip_network("3fff::/20"), "documentation"),
)
_KINDS = ("loopback", "unspecified", "link_local", "multicast", "private", "reserved")


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port: what rate limits, robots.txt and pools are kept per."""

    scheme: str
    host: str  # ASCII (IDNA), lower case, IPv6 without brackets
    port: int

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def robots_url(self) -> str:
        return f"{self.scheme}://{self.host_header}/robots.txt"


def origin_of(url: str) -> Origin:
    """The origin of ``url``; raises :class:`FetchRefused` unless it is a usable http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise FetchRefused("invalid_url", f"{url!r}: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused("scheme", f"only http and https are fetched, not {scheme or 'none'!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("invalid_url", f"no host in {url!r}")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as e:
            raise FetchRefused("invalid_url", f"host {host!r}: {e}") from e
    return Origin(scheme, host, port or (443 if scheme == "https" else 80))


def address_block_reason(ip: IPAddress) -> str | None:
    """Why a fetch must not reach ``ip`` (``loopback``, ``private``, ...), or None if public.

    Anything not global is refused; the kinds only name the reason.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return address_block_reason(embedded)
    if ip in METADATA_ADDRESSES:
        return "metadata"
    for network, reason in NON_PUBLIC_NETWORKS:
        if ip in network:
            return reason
    for kind in _KINDS:
        if getattr(ip, f"is_{kind}"):
            return kind
    return None if ip.is_global else "not_global"


class AddressPolicy:
    """Resolves a host and refuses it if any address is not public, bar the allow-list.

    ``allow_hosts`` lists host names or IP networks (``"127.0.0.1"``,
    ``"10.0.0.0/8"``) that may be reached although they are not public.
    """

    def __init__(self, allow_hosts: Sequence[str]) -> None:
        self.names, self.networks = _parse_allow_list(allow_hosts)

    def resolve(self, origin: Origin) -> str:
        """The address to connect to (IPv4 first); raises if the host may not be reached."""
        try:
            infos = socket.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise FetchFailed("dns", f"{origin.host}: {e}") from e
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        trusted_name = origin.host in self.names
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if trusted_name or any(ip in network for network in self.networks):
                continue
            if reason := address_block_reason(ip):
                raise FetchRefused("blocked_address", f"{origin.host} is {ip} ({reason})")
        return sorted(addresses, key=lambda address: ":" in address)[0]


def _parse_allow_list(entries: Sequence[str]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    names: set[str] = set()
    networks = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return frozenset(names), tuple(networks)
