"""SMS: the gateway protocol, the console and Twilio gateways, wordings and segment rules."""

from collections.abc import Mapping

from diary.sms.console import ConsoleGateway
from diary.sms.gateway import Gateway, GatewayError, Outcome, ProviderMessage, SendResult


def gateway_from_config(config: Mapping) -> Gateway:
    """The gateway the settings ask for: console (default) or Twilio."""
    if config.get("DIARY_SMS_BACKEND", "console") != "twilio":
        return ConsoleGateway()
    from diary.sms.twilio import TwilioGateway

    return TwilioGateway(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
        from_number=config.get("TWILIO_FROM_NUMBER"),
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        base_url=config.get("TWILIO_API_BASE_URL"),
        timeout=float(config["DIARY_SMS_HTTP_TIMEOUT_SECONDS"]))


__all__ = ["ConsoleGateway", "Gateway", "GatewayError", "Outcome", "ProviderMessage",
           "SendResult", "gateway_from_config"]
