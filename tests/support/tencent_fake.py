"""A Tencent Cloud SMS-compatible server (sms 2021-01-11, JSON POST, TC3-HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from diary.sms.codes import TemplateCodes
from tests.support.provider_fake import ProviderFake, registered_templates

BEIJING = ZoneInfo("Asia/Shanghai")
LIMIT_CODE = "LimitExceeded.PhoneNumberDailyLimit"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class FakeTencent(ProviderFake):
    """SendSms and PullSmsSendStatusByPhoneNumber, checked as Tencent checks them.

    Receipts come at once (`auto_receipt`): Tencent lists a send only when its receipt is in.
    """

    provider = "tencent"

    def __init__(self, sign_name: str = "研究日记", param_limit: int = 12) -> None:
        super().__init__(registered_templates("tencent", TemplateCodes.placeholders("tencent")),
                         sign_name)
        self.secret_id = "AKID" + secrets.token_hex(12)
        self.secret_key = secrets.token_hex(16)
        self.app_id = "1400" + str(secrets.randbelow(10**6)).zfill(6)
        self.param_limit, self.auto_receipt = param_limit, True

    def dispatch(self, path, headers, raw):
        action = headers.get("x-tc-action", "")
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            return action, {}, 200, _error("InvalidParameter", "body is not JSON"), 0.0
        refused = self._authenticate(headers, raw)
        if refused:
            return action, params, 200, _error(*refused), 0.0
        if action == "SendSms":
            return action, params, *self._send(params)
        if action == "PullSmsSendStatusByPhoneNumber":
            return action, params, 200, self._pull(params), 0.0
        return action, params, 200, _error("InvalidAction", f"{action} not found"), 0.0

    def _authenticate(self, headers, raw) -> tuple[str, str] | None:
        scheme, _, fields = headers.get("authorization", "").partition(" ")
        parts = dict(p.strip().split("=", 1) for p in fields.split(",") if "=" in p)
        secret_id, date, service, _ = (parts.get("Credential", "") + "///").split("/", 3)
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound", "The SecretId is not found."
        canonical = "\n".join([
            "POST", "/", "", f"content-type:{headers.get('content-type', '')}\n"
            f"host:{headers.get('host', '')}\n", "content-type;host",
            hashlib.sha256(raw).hexdigest()])
        to_sign = "\n".join([scheme, headers.get("x-tc-timestamp", ""),
                             f"{date}/{service}/tc3_request",
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = _hmac(_hmac(_hmac(("TC3" + self.secret_key).encode(), date), service),
                    "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if scheme != "TC3-HMAC-SHA256" or service != "sms" or not hmac.compare_digest(
                expected, parts.get("Signature", "")):
            return "AuthFailure.SignatureFailure", "The credentials could not be validated."
        return None

    def _send(self, params) -> tuple[int, dict, float]:
        fault = self.next_fault()
        if fault and fault[0] == "fail" and fault[1] != 429:
            return 502, {"message": "Bad Gateway"}, 0.0
        delay = fault[1] if fault and fault[0] == "timeout" else 0.0
        refused = self._check(params)
        if refused:
            return 200, _error(*refused), delay
        [to] = params["PhoneNumberSet"]
        code, values = str(params.get("TemplateId")), params.get("TemplateParamSet") or []
        status = {"PhoneNumber": to, "SessionContext": params.get("SessionContext", ""),
                  "Fee": 1, "IsoCode": "CN", "SerialNo": "", "Code": "Ok",
                  "Message": "send success"}
        limited = (fault is not None and fault[0] == "fail") or to in self.rate_limited
        number_code = (LIMIT_CODE if limited else
                       "InvalidParameterValue.IncorrectPhoneNumber"
                       if to in self.invalid_numbers or not to[1:].isdigit() else
                       "FailedOperation.PhoneNumberInBlacklist" if to in self.opted_out else None)
        if number_code:
            status.update(Code=number_code, Message=number_code, Fee=0)
        else:
            status["SerialNo"] = f"{secrets.randbelow(10**4)}:{secrets.token_hex(12)}"
            self.store(status["SerialNo"], to, self.render(code, values),
                       params.get("SessionContext") or None, code, values)
            if self.auto_receipt:
                self.set_status(status["SerialNo"], "delivered")
        return 200, {"Response": {"SendStatusSet": [status],
                                  "RequestId": secrets.token_hex(8)}}, delay

    def _check(self, params) -> tuple[str, str] | None:
        values = params.get("TemplateParamSet") or []
        if params.get("SmsSdkAppId") != self.app_id:
            return "FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed."
        if params.get("SignName") != self.sign_name:
            return ("FailedOperation.SignatureIncorrectOrUnapproved",
                    "The signature is not approved or does not exist.")
        if str(params.get("TemplateId")) not in self.templates:
            return ("FailedOperation.TemplateIncorrectOrUnapproved",
                    "The template is not approved or does not exist.")
        if len(params.get("PhoneNumberSet") or []) != 1:
            return "InvalidParameterValue.IncorrectPhoneNumber", "one number per call here"
        if any(len(str(v)) > self.param_limit for v in values):
            return ("InvalidParameterValue.TemplateParameterLengthLimit",
                    "A parameter is longer than allowed.")
        if self.render(str(params.get("TemplateId")), values) is None:
            return ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                    "The parameters do not match the template.")
        return None

    def _pull(self, params) -> dict:
        begin, end = int(params.get("BeginTime", 0)), int(params.get("EndTime", 0))
        rows = [m for m in self.messages if m["to"] == params.get("PhoneNumber")
                and m["receipt_at"] is not None
                and begin <= m["receipt_at"].timestamp() <= end]
        offset, limit = int(params.get("Offset", 0)), int(params.get("Limit", 100))
        return {"Response": {"PullSmsSendStatusSet": [
            {"UserReceiveTime": int(m["receipt_at"].timestamp()), "CountryCode": "86",
             "SubscriberNumber": m["to"].removeprefix("+86"), "PhoneNumber": m["to"],
             "SerialNo": m["sid"],
             "ReportStatus": "SUCCESS" if m["status"] == "delivered" else "FAIL",
             "Description": "用户短信送达成功" if m["status"] == "delivered" else (
                 m["error_code"] or "FAIL"), "SessionContext": m["reference"] or ""}
            for m in rows[offset: offset + limit]], "RequestId": secrets.token_hex(8)}}

    def receipt(self, sid: str) -> dict:
        """The status callback item Tencent would push for a stored message."""
        m = next(m for m in self.messages if m["sid"] == sid)
        when = (m["receipt_at"] or datetime.now(UTC)).astimezone(BEIJING)
        delivered = m["status"] == "delivered"
        return {"user_receive_time": when.strftime("%Y-%m-%d %H:%M:%S"), "nationcode": "86",
                "mobile": m["to"].removeprefix("+86"),
                "report_status": "SUCCESS" if delivered else "FAIL",
                "errmsg": "DELIVRD" if delivered else (m["error_code"] or "UNDELIV"),
                "description": "用户短信送达成功" if delivered else "失败", "sid": sid}


def _error(code: str, message: str) -> dict:
    return {"Response": {"Error": {"Code": code, "Message": message},
                         "RequestId": secrets.token_hex(8)}}
