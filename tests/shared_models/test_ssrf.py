"""D11: internal targets are refused when saved and when fired, unless allow-listed."""

from __future__ import annotations

import pytest

from shared_models.outbound import webhook
from shared_models.outbound.ssrf import UnsafeTarget, check_target_url
from tests.conftest import make_settings
from tests.local_http import LocalHTTPServer

INTERNAL = [
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://[::ffff:127.0.0.1]/hook",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_targets_refused_without_allow_list(database_url: str, url: str) -> None:
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    with pytest.raises(UnsafeTarget, match="loopback, private, link-local or multicast"):
        check_target_url(url, settings)


@pytest.mark.parametrize("url", ["http://example.com/hook", "ftp://example.com/x", "https:///nohost"])
def test_non_https_refused(database_url: str, url: str) -> None:
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    with pytest.raises(UnsafeTarget, match="https://"):
        check_target_url(url, settings)


def test_overlong_url_refused(database_url: str) -> None:
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    with pytest.raises(UnsafeTarget, match="at most 500"):
        check_target_url("https://example.com/" + "a" * 500, settings)


def test_allow_listed_hosts_pass(database_url: str) -> None:
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="127.0.0.1, LocalHost")
    assert check_target_url("http://127.0.0.1:8080/x", settings) == "127.0.0.1"
    assert check_target_url("https://localhost/x", settings) == "localhost"


def test_public_address_passes(database_url: str) -> None:
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    assert check_target_url("https://93.184.215.14/hook", settings) == "93.184.215.14"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_fire_time_check_refuses_before_connecting(database_url: str, http_server: LocalHTTPServer, host: str) -> None:
    http_server.on("/hook", body="should not be reached")
    settings = make_settings(database_url, WEBHOOK_ALLOWED_HOSTS="")
    url = f"https://{host}:{http_server.port}/hook"
    with pytest.raises(UnsafeTarget):
        webhook.call_webhook(settings=settings, url=url, method="GET")
    assert http_server.requests == []
