"""APP_ENV / APP_DEBUG succeed FLASK_ENV / FLASK_DEBUG: the old names are still read."""

from __future__ import annotations

import pytest

from shared_models.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APP_ENV", "FLASK_ENV", "APP_DEBUG", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_is_development() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.APP_ENV, settings.is_production, settings.APP_DEBUG) == ("development", False, False)


@pytest.mark.parametrize("name", ["APP_ENV", "FLASK_ENV"])
def test_either_name_selects_production(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, "production")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.is_production
    assert settings.APP_ENV == settings.FLASK_ENV == "production"
    assert settings.ALLOW_DEFAULT_ADMIN is False  # production never seeds admin/admin123


def test_app_env_wins_over_the_deprecated_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.setenv("APP_ENV", "development")
    assert not Settings(_env_file=None).is_production  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["APP_DEBUG", "FLASK_DEBUG"])
def test_either_debug_name_is_read(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, "yes")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.APP_DEBUG is True
    assert settings.FLASK_DEBUG is True


def test_keyword_arguments_take_both_names() -> None:
    assert Settings(_env_file=None, FLASK_ENV="production").is_production  # type: ignore[call-arg]
    assert Settings(_env_file=None, APP_ENV="production").is_production  # type: ignore[call-arg]
