"""Wordings as Alibaba and Tencent templates: no forbidden word, parameters within the limit,
codes from the template file, the registration sheet, and the settings that must be there."""

import pytest

from diary import config, sms
from diary.sms import templates
from diary.sms.codes import TemplateCodes
from diary.sms.gateway import Wording

PROVIDERS = ["aliyun", "tencent"]
ALL = list(templates.every_wording())


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("kind", "lang", "variant", "text"), ALL)
def test_no_wording_uses_a_word_the_provider_forbids(provider, kind, lang, variant, text):
    for word in templates.FORBIDDEN[provider]:
        assert word.lower() not in text.lower(), (provider, kind, lang, variant)
    assert "://" not in text
    assert "www." not in text


@pytest.mark.parametrize(("kind", "lang", "variant", "text"), ALL)
def test_parameters_carry_only_the_study_code_and_fit_a_tencent_individual_account(
        kind, lang, variant, text):
    names = templates.VARIABLE.findall(text)
    assert set(names) <= {"code"}
    assert (kind == "on_call") == bool(names)
    for _, value in templates.parameters(kind, lang, variant, templates.LONGEST_CODE):
        assert len(value) <= 12


def test_the_check_reports_forbidden_words_and_long_parameters(monkeypatch):
    monkeypatch.setitem(templates.TEXTS, "daily", {
        "zh": ("请完成问卷调查。", "医疗提醒：{code}"), "en": ("a", "b")})
    assert templates.template_problems("aliyun", 35) == ["daily_1/zh: contains 问卷调查"]
    found = templates.template_problems("tencent", 8)
    assert "daily_2/zh: contains 医疗" in found
    assert "daily_2/zh: parameter code may exceed 8 characters" in found


def test_rotation_stays_every_variant_is_its_own_template():
    codes = TemplateCodes.placeholders("aliyun")
    for kind in templates.TEXTS:
        ids = {codes.code(Wording(kind, v, "zh"))[0] for v in range(templates.variant_count(kind))}
        assert len(ids) == templates.variant_count(kind)


def test_provider_syntax():
    text = templates.TEXTS["on_call"]["zh"][0]
    assert "${code}" in templates.provider_text(text, "aliyun")
    assert "{1}" in templates.provider_text(text, "tencent")
    assert "{code}" not in templates.provider_text(text, "tencent")


@pytest.mark.parametrize(("provider", "variable"), [("aliyun", "${code}"), ("tencent", "{1}")])
def test_sms_templates_command_prints_every_wording_ready_to_submit(app, provider, variable):
    result = app.test_cli_runner().invoke(args=["diary", "sms-templates", "--provider",
                                                provider])
    assert result.exit_code == 0, result.output
    for kind, _, variant, text in ALL:
        line = f'{templates.wording_id(kind, variant)} = ""  # ' + templates.provider_text(
            text, provider)
        assert line in result.output
    assert variable in result.output
    # The sheet is a template file once the codes are written in.
    sheet = tmp_file(app, result.output.replace('""', '"X"'))
    assert TemplateCodes.from_file(sheet).missing() == []


def tmp_file(app, text: str):
    from pathlib import Path

    path = Path(app.instance_path) / "codes.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_codes_come_from_the_file_and_english_falls_back_to_chinese(tmp_path):
    path = tmp_path / "codes.toml"
    path.write_text('[zh]\ndaily_1 = "SMS_465000001"\ndaily_2 = "SMS_465000002"\n',
                    encoding="utf-8")
    codes = TemplateCodes.from_file(path)
    assert codes.code(Wording("daily", 1, "zh")) == ("SMS_465000002", "zh")
    assert codes.code(Wording("daily", 0, "en")) == ("SMS_465000001", "zh")
    assert codes.code(Wording("visit", 0, "zh")) is None
    assert "visit_1 (zh)" in codes.missing()
    assert not any("(en)" in m for m in codes.missing())  # English not in use here


def mainland_settings(backend: str, tmp_path, **extra) -> dict:
    base = {"aliyun": {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "k",
                       "DIARY_ALIYUN_SIGN_NAME": "研究日记"},
            "tencent": {"TENCENTCLOUD_SECRET_ID": "id", "TENCENTCLOUD_SECRET_KEY": "k",
                        "DIARY_TENCENT_SMS_APP_ID": "1400000000",
                        "DIARY_TENCENT_SIGN_NAME": "研究日记"}}[backend]
    loaded = config.load(str(tmp_path), {"DIARY_SMS_BACKEND": backend, "SECRET_KEY": "s" * 32,
                                         "DIARY_ENCRYPTION_KEYS": "x", "DIARY_PIN_PEPPER": "p" * 32,
                                         **base, **extra})
    return loaded


@pytest.mark.parametrize("backend", PROVIDERS)
def test_development_uses_placeholder_codes(backend, tmp_path):
    settings = mainland_settings(backend, tmp_path)
    config.validate(settings, str(tmp_path))
    gateway = sms.gateway_from_config(settings)
    assert gateway.name == backend
    assert gateway.codes.code(Wording("daily", 0, "zh"))[0].upper().endswith("DAILY_1_ZH")


@pytest.mark.parametrize("backend", PROVIDERS)
@pytest.mark.parametrize("missing", ["DIARY_SMS_TEMPLATE_FILE", "DIARY_SMS_CALLBACK_TOKEN"])
def test_production_needs_the_template_file_and_the_callback_token(backend, tmp_path, missing):
    path = tmp_path / "codes.toml"
    path.write_text("\n".join(line.replace('""', '"C1"') for line in
                              templates.registration_sheet(backend)), encoding="utf-8")
    settings = mainland_settings(backend, tmp_path, DIARY_ENV="production",
                                 DIARY_SMS_TEMPLATE_FILE=str(path),
                                 DIARY_SMS_CALLBACK_TOKEN="t" * 32)
    config.validate(dict(settings), str(tmp_path))  # complete: starts
    settings[missing] = ""
    with pytest.raises(config.ConfigError, match=missing):
        config.validate(settings, str(tmp_path))


def test_production_refuses_a_wording_in_use_without_a_code(tmp_path):
    path = tmp_path / "codes.toml"
    path.write_text('[zh]\ndaily_1 = "SMS_1"\n', encoding="utf-8")
    settings = mainland_settings("aliyun", tmp_path, DIARY_ENV="production",
                                 DIARY_SMS_TEMPLATE_FILE=str(path),
                                 DIARY_SMS_CALLBACK_TOKEN="t" * 32)
    with pytest.raises(config.ConfigError, match="daily_2 \\(zh\\)"):
        config.validate(settings, str(tmp_path))


@pytest.mark.parametrize("backend", PROVIDERS)
def test_credentials_are_required_and_a_too_small_parameter_limit_is_refused(backend, tmp_path):
    settings = mainland_settings(backend, tmp_path)
    name = "DIARY_ALIYUN_SIGN_NAME" if backend == "aliyun" else "DIARY_TENCENT_SMS_APP_ID"
    with pytest.raises(config.ConfigError, match=name):
        config.validate({**settings, name: ""}, str(tmp_path))
    with pytest.raises(config.ConfigError, match="parameter code may exceed 6"):
        config.validate({**settings, "DIARY_SMS_PARAM_MAX_LENGTH": 6}, str(tmp_path))


def test_a_broken_template_file_is_a_configuration_error(tmp_path):
    path = tmp_path / "codes.toml"
    path.write_text("[zh\n", encoding="utf-8")
    settings = mainland_settings("tencent", tmp_path, DIARY_SMS_TEMPLATE_FILE=str(path))
    with pytest.raises(config.ConfigError, match="cannot be read"):
        config.validate(settings, str(tmp_path))


def test_parameter_limit_defaults_per_provider():
    assert sms.param_limit({"DIARY_SMS_BACKEND": "aliyun"}) == 35
    assert sms.param_limit({"DIARY_SMS_BACKEND": "tencent"}) == 12
    assert sms.param_limit({"DIARY_SMS_BACKEND": "tencent", "DIARY_SMS_PARAM_MAX_LENGTH": 20}) == 20
