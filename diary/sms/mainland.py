"""What the Alibaba and Tencent gateways share: template look-up and error codes to outcomes."""

import logging
from dataclasses import dataclass

from diary.rules import phones
from diary.sms.codes import TemplateCodes
from diary.sms.gateway import Outcome, SendResult, Wording

log = logging.getLogger("diary.sms")
# The request never reached the provider: safe to send again.
NEVER_CONNECTED = ("NewConnectionError", "ConnectTimeout", "Connection refused",
                   "Name or service not known", "Failed to resolve")

__all__ = ["CodeClasses", "Outcome", "no_answer", "template_for"]


@dataclass(frozen=True)
class CodeClasses:
    """A provider's error codes by what the outbox should do about them."""

    retry: frozenset
    invalid: frozenset
    opted_out: frozenset
    unknown_prefixes: tuple = ()

    def refused(self, code: str, to: str, server: bool = False) -> SendResult:
        """Rate limits wait, bad numbers stop, provider faults are looked up, others fail loud."""
        if code in self.retry:
            log.warning("sms to %s: rate limited (%s), trying later", phones.mask(to), code)
            return SendResult(Outcome.RETRY, error_code=code)
        if code in self.invalid:
            log.warning("sms to %s: invalid number (%s)", phones.mask(to), code)
            return SendResult(Outcome.INVALID, error_code=code)
        if code in self.opted_out:
            log.warning("sms to %s: number opted out (%s)", phones.mask(to), code)
            return SendResult(Outcome.OPTED_OUT, error_code=code)
        if server or code.startswith(self.unknown_prefixes):
            log.warning("sms to %s: provider fault (%s), looking it up", phones.mask(to), code)
            return SendResult(Outcome.UNKNOWN, error_code=code)
        # Credential, signature, template or balance: the operator must act; never retried.
        log.error("sms to %s refused (%s): check the credential, signature and templates",
                  phones.mask(to), code)
        return SendResult(Outcome.FAILED, error_code=code)


def no_answer(detail: str, to: str) -> SendResult:
    """No HTTP answer: retry if the connection was never made, else look it up first."""
    if any(marker in detail for marker in NEVER_CONNECTED):
        return SendResult(Outcome.RETRY)
    log.warning("sms to %s: no answer from the provider", phones.mask(to))
    return SendResult(Outcome.UNKNOWN)


def template_for(codes: TemplateCodes, wording: Wording | None, limit: int,
                 to: str) -> tuple[str, tuple[tuple[str, str], ...]] | SendResult:
    """The template code and parameters, or a failed result the operator must fix."""
    found = codes.code(wording) if wording is not None else None
    if found is None:
        log.error("sms to %s: no approved template for %s", phones.mask(to), wording)
        return SendResult(Outcome.FAILED, error_code="diary.NoTemplate")
    if any(len(value) > limit for _, value in wording.params):
        log.error("sms to %s: a parameter is longer than %s characters", phones.mask(to), limit)
        return SendResult(Outcome.FAILED, error_code="diary.ParamTooLong")
    return found[0], wording.params
