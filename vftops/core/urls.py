"""Absolute links to vftops's own pages: always under BASE_URL (`VFTOPS_BASE_URL`).

A QR label or an e-mail outlives the request that made it, and a request's Host
header is whatever the client sent: a label printed from a request with
`Host: evil.example` must still point to this installation.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def url_builder():
    """A function (endpoint, values) → absolute URL under BASE_URL, inside or outside a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost",
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )

    def build(endpoint: str, values: dict | None = None) -> str:
        return adapter.build(endpoint, values or {}, force_external=True)

    return build


def external_url(endpoint: str, **values) -> str:
    return url_builder()(endpoint, values)


def base_hostname() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
