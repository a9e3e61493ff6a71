"""Webhook calls cannot be turned against the platform's own network (SSRF): loopback and
private addresses are refused unless the operators allow them, and nothing is sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from plugins.safe_http import AllowList, RefusedAddressError, check_url, post_json


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            body = json.dumps({"outcome": "approved"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_loopback_is_refused_and_nothing_is_sent(receiver):
    url, received = receiver
    with pytest.raises(RefusedAddressError, match="private or local address"):
        post_json(url, {"x": 1}, allow=AllowList(), timeout=5)
    assert received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_link_local_and_unspecified_addresses_are_refused(url):
    with pytest.raises(RefusedAddressError):
        check_url(url, AllowList())


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "http://u:p@example.com/"]
)
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(RefusedAddressError):
        check_url(url, AllowList())


def test_an_allow_listed_address_is_called(receiver):
    url, received = receiver
    for entry in ("127.0.0.1", "127.0.0.0/8"):
        response = post_json(url, {"amount": "12.50"}, allow=AllowList.parse([entry]), timeout=5)
        assert response.status == 200 and response.json() == {"outcome": "approved"}
    assert received == [{"amount": "12.50"}, {"amount": "12.50"}]


@pytest.mark.parametrize(
    ("url", "embedded"),
    [
        ("http://[::ffff:0:127.0.0.1]/", "127.0.0.1"),  # IPv4-translated (SIIT)
        ("http://[64:ff9b::127.0.0.1]/", "127.0.0.1"),  # NAT64
        ("http://[64:ff9b:1::a00:1]/", "10.0.0.1"),  # NAT64, local-use prefix
        ("http://[2002:7f00:1::]/", "127.0.0.1"),  # 6to4
        ("http://[::127.0.0.1]/", "127.0.0.1"),  # IPv4-compatible
        ("http://[::ffff:169.254.169.254]/", "169.254.169.254"),  # IPv4-mapped
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
    ],
)
def test_ipv6_addresses_that_carry_an_ipv4_address_are_refused_naming_it(url, embedded):
    """A translator in front of the host may route these to the IPv4 address inside, so the
    prefixes are refused outright and the message names what they carry (issue 17, #11)."""
    with pytest.raises(RefusedAddressError, match="carries an IPv4 address") as refused:
        check_url(url, AllowList())
    assert embedded in str(refused.value)


def test_an_allow_listed_ipv6_translation_is_the_operators_choice():
    check_url("http://[64:ff9b::a00:1]/", AllowList.parse(["64:ff9b::/96"]))
