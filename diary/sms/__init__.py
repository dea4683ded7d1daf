"""SMS: the gateway protocol, the console, Twilio, Alibaba and Tencent gateways, wordings."""

from collections.abc import Mapping

from diary.sms.console import ConsoleGateway
from diary.sms.gateway import (
    Gateway,
    GatewayError,
    Outcome,
    ProviderMessage,
    SendResult,
    Wording,
)

# The longest template parameter each provider accepts by default (Tencent: individual account).
PARAM_LIMITS = {"aliyun": 35, "tencent": 12}


def param_limit(config: Mapping) -> int:
    """DIARY_SMS_PARAM_MAX_LENGTH, or the provider's default."""
    return int(config.get("DIARY_SMS_PARAM_MAX_LENGTH") or PARAM_LIMITS.get(
        config.get("DIARY_SMS_BACKEND", ""), 35))


def gateway_from_config(config: Mapping) -> Gateway:
    """The gateway the settings ask for: console (default), Twilio, Alibaba or Tencent."""
    backend = config.get("DIARY_SMS_BACKEND", "console")
    timeout = float(config.get("DIARY_SMS_HTTP_TIMEOUT_SECONDS", 10))
    if backend == "twilio":
        from diary.sms.twilio import TwilioGateway

        return TwilioGateway(
            config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
            from_number=config.get("TWILIO_FROM_NUMBER"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            base_url=config.get("TWILIO_API_BASE_URL"), timeout=timeout)
    if backend in ("aliyun", "tencent"):
        return _mainland(config, backend, timeout)
    return ConsoleGateway()


def _mainland(config: Mapping, backend: str, timeout: float) -> Gateway:
    from diary.sms.codes import TemplateCodes

    codes = TemplateCodes.from_config(config, backend)
    if backend == "aliyun":
        from diary.sms.aliyun import AliyunGateway

        return AliyunGateway(
            config["ALIBABA_CLOUD_ACCESS_KEY_ID"], config["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            config["DIARY_ALIYUN_SIGN_NAME"], codes,
            endpoint=config.get("DIARY_ALIYUN_ENDPOINT") or None, timeout=timeout,
            param_limit=param_limit(config))
    from diary.sms.tencent import TencentGateway

    return TencentGateway(
        config["TENCENTCLOUD_SECRET_ID"], config["TENCENTCLOUD_SECRET_KEY"],
        config["DIARY_TENCENT_SMS_APP_ID"], config["DIARY_TENCENT_SIGN_NAME"], codes,
        region=config.get("DIARY_TENCENT_REGION") or "ap-guangzhou",
        endpoint=config.get("DIARY_TENCENT_ENDPOINT") or None, timeout=timeout,
        param_limit=param_limit(config))


__all__ = ["ConsoleGateway", "Gateway", "GatewayError", "Outcome", "ProviderMessage",
           "SendResult", "Wording", "gateway_from_config", "param_limit"]
