"""Numbers and money from one setting (GEOCRM_LOCALE, GEOCRM_CURRENCY): the formats of the
reports (geocrm.formats, Babel) and the settings' validation at start."""

import pytest
from pydantic import ValidationError

from geocrm import formats
from geocrm.db.errors import as_geocrm_error
from geocrm.errors import SetupError
from geocrm.settings import FormatSettings, format_settings

NBSP = "\u00a0"  # CLDR's group separator of fi, and the space before its currency sign


def test_finnish_is_the_default_with_spaces_in_groups_and_the_euro_after():
    assert (format_settings().locale, format_settings().currency) == ("fi-FI", "EUR")
    assert formats.format_money(1234567) == f"1{NBSP}234{NBSP}567{NBSP}€"
    assert formats.format_value("revenue", 1234567.4) == f"1{NBSP}234{NBSP}567{NBSP}€"
    assert formats.format_value("ltv", 99.5) == f"100{NBSP}€"  # halves away from zero
    assert formats.format_value("customers", 1234567) == f"1{NBSP}234{NBSP}567"
    assert formats.format_value("mean_churn_risk", 0.256) == "0,26"
    assert formats.format_value("footfall", 2.5) == "2,5"
    assert formats.format_value("households", -1234.5) == f"\u2212{NBSP.join(['1', '235'])}"
    assert formats.format_value("revenue", None) == "\u2013"
    assert formats.unit_text("revenue") == "€"
    assert formats.unit_text("footfall") == "index 0-100"


def test_british_english_puts_the_euro_first_with_comma_groups():
    assert formats.format_money(1234567, locale="en-GB") == "€1,234,567"
    assert formats.format_value("customers", 1234567, locale="en-GB") == "1,234,567"
    assert formats.format_value("mean_satisfaction", 7.125, locale="en-GB") == "7.13"
    assert formats.format_money(1234567, locale="sv-SE", currency="SEK") == (
        f"1{NBSP}234{NBSP}567{NBSP}kr"
    )
    assert formats.unit_text("ltv", locale="en-US", currency="USD") == "$"


def test_the_settings_take_the_environment_and_refuse_bad_values(monkeypatch):
    monkeypatch.setenv("GEOCRM_LOCALE", "en_GB")
    monkeypatch.setenv("GEOCRM_CURRENCY", "sek")
    settings = FormatSettings()
    assert (settings.locale, settings.currency) == ("en-GB", "SEK")
    for name, bad in (("GEOCRM_LOCALE", "klingon"), ("GEOCRM_LOCALE", "xx-YY")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValidationError) as caught:
            FormatSettings()
        error = as_geocrm_error(caught.value)
        assert isinstance(error, SetupError) and "GEOCRM_LOCALE" in str(error)
    monkeypatch.setenv("GEOCRM_LOCALE", "fi-FI")
    for bad in ("EURO", "XYZ", "€"):
        monkeypatch.setenv("GEOCRM_CURRENCY", bad)
        with pytest.raises(ValidationError, match="GEOCRM_CURRENCY"):
            FormatSettings()


def test_the_api_serves_the_locale_and_the_currency_of_the_money_measures(client, monkeypatch):
    dims = client.get("/api/cube/dimensions").json()
    assert (dims["locale"], dims["currency"]) == ("fi-FI", "EUR")
    assert {m["name"]: m["unit"] for m in dims["measure_details"]}["ltv"] == "EUR"
    monkeypatch.setenv("GEOCRM_LOCALE", "sv-SE")
    monkeypatch.setenv("GEOCRM_CURRENCY", "SEK")
    format_settings.cache_clear()
    try:
        dims = client.get("/api/cube/dimensions").json()
        assert (dims["locale"], dims["currency"]) == ("sv-SE", "SEK")
        units = {m["name"]: m["unit"] for m in dims["measure_details"]}
        assert units["revenue"] == units["ltv"] == "SEK" and units["customers"] == "customers"
        assert formats.format_value("revenue", 1500) == f"1{NBSP}500{NBSP}kr"
    finally:
        format_settings.cache_clear()
