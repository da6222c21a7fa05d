"""URL canonicalisation: one spelling per page, so one article id per page.

The same story reaches us as ``HTTP://News.Example:80/a/../story?utm_source=x#top``
from a feed and as ``http://news.example/story`` from a sitemap. Article ids are
a hash of the canonical URL, and "already ingested?" is a lookup on it, so every
spelling must collapse to one string. The rules are the safe ones of RFC 3986
section 6 (case, default ports, dot segments, percent-encoding) plus the
removal of parameters that only track the reader (``utm_*``, click ids,
session ids), which never change the page served, and of credentials (user
info, ``token=``, ``api_key=``, ...), which must never be stored.

Everything here is pure: no network, no state.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna

#: Query parameters that identify the reader or the campaign, not the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "jsessionid",
        "phpsessid",
        "sid",
        "sessionid",
    }
)
#: Query parameters that carry a credential. They never name a different page,
#: and a token or password must not end up in the warehouse, its raw archive
#: or a log: canonical URLs drop them, :func:`redact` drops them from the URLs
#: stored as they came, :func:`redact_text` from messages.
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "api_key",
        "api-key",
        "apikey",
        "auth",
        "auth_token",
        "client_secret",
        "id_token",
        "password",
        "passwd",
        "pwd",
        "refresh_token",
        "secret",
        "session_token",
        "token",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
        "x-goog-credential",
        "x-goog-signature",
    }
)
#: Query parameter prefixes that always track (Google Analytics campaigns).
TRACKING_PREFIXES = ("utm_",)
WEB_SCHEMES = ("http", "https")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
# Characters left as they are (everything else is percent-encoded as UTF-8).
_PATH_SAFE = _UNRESERVED | frozenset(_SUB_DELIMS + ":@/")
# In query keys and values '&' and '=' are separators, so they stay encoded.
_QUERY_SAFE = _UNRESERVED | frozenset("!$'()*+,;:@/?")
_HEX = frozenset("0123456789abcdefABCDEF")
_SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/;?]*", re.I)
# In free text: a URL with an authority (``scheme://`` or ``//``) runs to the next
# space, quote or angle bracket; a parameter is a name not glued to a longer word,
# ``=``, and a value up to the next separator of queries or text.
_URL_IN_TEXT = re.compile(r"(?:\b[a-z][a-z0-9+.-]*:)?//[^\s'\"<>]+", re.I)
_USERINFO_IN_TEXT = re.compile(r"(?<=//)[^/\s@'\"<>]*@")
_PARAM_IN_TEXT = re.compile(r"(?<![\w.%-])([\w.%-]+)=([^\s&#'\"<>]*)")
REDACTED = "[redacted]"


class InvalidURL(ValueError):
    """The string is not an absolute http(s) URL we can canonicalise."""


def canonicalize(url: str) -> str:
    """The canonical spelling of the absolute http(s) ``url``.

    Raises :class:`InvalidURL` for other schemes, a missing host, a bad port or
    a host that is not valid IDNA. User info (``user:pass@``) is dropped: it
    never selects a different page and must not end up in the warehouse.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise InvalidURL(f"unparsable URL {url!r}: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    host = _canonical_host(parts, url)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _SESSION_PATH_PARAM.sub("", parts.path)
    path = remove_dot_segments(_normalize_escapes(path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter name only tracks the reader or the campaign."""
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def is_secret_param(name: str) -> bool:
    """Whether a query parameter name carries a credential (see :data:`SECRET_PARAMS`)."""
    return _normalize_escapes(name, _QUERY_SAFE).lower() in SECRET_PARAMS


def redact(url: str) -> str:
    """``url`` as it came, minus user info (``user:pass@``) and credential parameters.

    Not a canonicalisation: everything else is kept byte for byte, so the
    stored URL still shows what was asked for. Strings that are not
    URLs with a host come back unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not is_secret_param(pair.partition("=")[0])
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """``text`` (an error message, a log line) with no credential left in it.

    Every URL in it comes out as :func:`redact` gives it (user info and
    credential parameters gone); a credential parameter elsewhere, as in a
    bare request target ``/x?token=...``, keeps its name and loses its value
    (``token=[redacted]``); user info goes even from a URL too malformed to
    parse. Errors from the HTTP stack quote what was asked for, and they end
    up in logs and in ``rejects`` rows.
    """
    text = _URL_IN_TEXT.sub(lambda url: _USERINFO_IN_TEXT.sub("", redact(url.group())), text)
    return _PARAM_IN_TEXT.sub(_redact_param, text)


def _redact_param(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={REDACTED}" if is_secret_param(name) and match.group(2) else match.group()


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments of a path."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _canonical_host(parts: SplitResult, url: str) -> str:
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL(f"URL without a host: {url!r}")
    if ":" in host:  # IPv6 literal; hostname already lower-cased it
        return f"[{host}]"
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as e:
        raise InvalidURL(f"host {host!r} is not valid IDNA: {e}") from e


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str | None]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if is_tracking_param(_normalize_escapes(key, _QUERY_SAFE)) or is_secret_param(key):
            continue
        normal_value = _normalize_escapes(value, _QUERY_SAFE) if sep else None
        kept.append((_normalize_escapes(key, _QUERY_SAFE), normal_value))
    kept.sort(key=lambda item: item[0])  # stable: repeated keys keep their order
    return "&".join(key if value is None else f"{key}={value}" for key, value in kept)


def _normalize_escapes(component: str, safe: frozenset[str]) -> str:
    """Decode escaped unreserved characters, upper-case the other escapes, escape the rest."""
    out: list[str] = []
    index = 0
    while index < len(component):
        char = component[index]
        escape = component[index + 1 : index + 3]
        if char == "%" and len(escape) == 2 and set(escape) <= _HEX:
            decoded = chr(int(escape, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + escape.upper())
            index += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        index += 1
    return "".join(out)


def canonical_or_none(url: str | None) -> str | None:
    """The canonical form of ``url``, or None if it is not a web URL at all."""
    try:
        return canonicalize(url) if url else None
    except InvalidURL:
        return None
