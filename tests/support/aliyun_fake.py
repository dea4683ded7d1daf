"""An Alibaba Cloud SMS-compatible server (dysmsapi 2017-05-25, RPC style, ACS3-HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

from diary.sms.codes import TemplateCodes
from tests.support.provider_fake import ProviderFake, registered_templates

BEIJING = ZoneInfo("Asia/Shanghai")
LIMIT_CODE = "isv.BUSINESS_LIMIT_CONTROL"


class FakeAliyun(ProviderFake):
    """SendSms and QuerySendDetails, checked as Alibaba checks them."""

    provider = "aliyun"

    def __init__(self, sign_name: str = "研究日记", param_limit: int = 35) -> None:
        super().__init__(registered_templates("aliyun", TemplateCodes.placeholders("aliyun")),
                         sign_name)
        self.access_key_id = "LTAI" + secrets.token_hex(8)
        self.access_key_secret = secrets.token_hex(15)
        self.param_limit = param_limit

    def dispatch(self, path, headers, raw):
        url = urlsplit(path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(parse_qsl(raw.decode(), keep_blank_values=True))
        action = headers.get("x-acs-action", "")
        refused = self._authenticate(url, headers, raw)
        if refused:
            return action, params, *refused, 0.0
        if action == "SendSms":
            return action, params, *self._send(params)
        if action == "QuerySendDetails":
            return action, params, *self._details(params), 0.0
        return action, params, 404, _error("InvalidAction.NotFound", action), 0.0

    def _authenticate(self, url, headers, raw) -> tuple[int, dict] | None:
        """The ACS3-HMAC-SHA256 signature over method, path, query, signed headers, body."""
        scheme, _, fields = headers.get("authorization", "").partition(" ")
        parts = dict(p.split("=", 1) for p in fields.split(",") if "=" in p)
        if parts.get("Credential") != self.access_key_id:
            return 404, _error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if headers.get("x-acs-content-sha256") != hashlib.sha256(raw).hexdigest():
            return 400, _error("IncompleteSignature", "The payload hash does not match.")
        signed = parts.get("SignedHeaders", "").split(";")
        query = sorted(parse_qsl(url.query, keep_blank_values=True))
        canonical = "\n".join([
            "POST", url.path or "/", "&".join(f"{k}={quote(v, safe='~')}" for k, v in query),
            "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed),
            ";".join(signed), headers["x-acs-content-sha256"]])
        to_sign = f"{scheme}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(),
                            hashlib.sha256).hexdigest()
        if scheme != "ACS3-HMAC-SHA256" or not hmac.compare_digest(
                expected, parts.get("Signature", "")):
            return 400, _error("SignatureDoesNotMatch", "The request signature does not match.")
        return None

    def _send(self, params) -> tuple[int, dict, float]:
        fault = self.next_fault()
        if fault and fault[0] == "fail":
            if fault[1] == 429:
                return 200, _answer(LIMIT_CODE, "触发号码天级流控"), 0.0
            return 500, _error("isp.SYSTEM_ERROR", "System error"), 0.0
        delay = fault[1] if fault else 0.0
        to = "+86" + params.get("PhoneNumbers", "") if len(params.get(
            "PhoneNumbers", "")) == 11 else "+" + params.get("PhoneNumbers", "")
        code = params.get("TemplateCode", "")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return 200, _answer("isv.INVALID_JSON_PARAM", "JSON参数不合法"), delay
        refused = self._check(params, to, code, values)
        if refused:
            return 200, _answer(*refused), delay
        body = self.render(code, values)
        biz_id = f"{secrets.randbelow(10**15):015d}^0"
        self.store(biz_id, to, body, params.get("OutId") or None, code, values)
        return 200, {**_answer("OK", "OK"), "BizId": biz_id}, delay

    def _check(self, params, to, code, values) -> tuple[str, str] | None:
        if params.get("SignName") != self.sign_name:
            return "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"
        if code not in self.templates:
            return "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法"
        if not to[1:].isdigit() or to in self.invalid_numbers:
            return "isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误"
        if to in self.rate_limited:
            return LIMIT_CODE, "触发号码天级流控"
        if any(not isinstance(v, str) for v in values.values()):
            return "isv.INVALID_JSON_PARAM", "JSON参数不合法"
        if any(len(v) > self.param_limit for v in values.values()):
            return "isv.PARAM_LENGTH_LIMIT", "变量长度受限"
        if self.render(code, values) is None:
            return "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少参数"
        return None

    def _details(self, params) -> tuple[int, dict]:
        number = params.get("PhoneNumber", "")
        to = "+86" + number if len(number) == 11 else "+" + number
        day = params.get("SendDate", "")
        size, page = int(params.get("PageSize", 10)), int(params.get("CurrentPage", 1))
        rows = [m for m in self.messages if m["to"] == to
                and _beijing(m["created_at"]).strftime("%Y%m%d") == day
                and params.get("BizId") in (None, "", m["sid"])]
        chunk = rows[(page - 1) * size: page * size]
        return 200, {**_answer("OK", "OK"), "TotalCount": str(len(rows)), "SmsSendDetailDTOs": {
            "SmsSendDetailDTO": [_dto(m, number) for m in chunk]}}

    def receipt(self, sid: str) -> dict:
        """The SmsReport item Alibaba would push for a stored message."""
        m = next(m for m in self.messages if m["sid"] == sid)
        return {"phone_number": m["to"].removeprefix("+86"),
                "send_time": _beijing(m["created_at"]).strftime("%Y-%m-%d %H:%M:%S"),
                "report_time": _beijing(m["receipt_at"] or m["created_at"] + timedelta(
                    seconds=3)).strftime("%Y-%m-%d %H:%M:%S"),
                "success": m["status"] == "delivered",
                "err_code": "DELIVERED" if m["status"] == "delivered" else m["error_code"],
                "err_msg": "用户接收成功" if m["status"] == "delivered" else "失败",
                "sms_size": "1", "biz_id": m["sid"], "out_id": m["reference"] or ""}


def _beijing(when: datetime) -> datetime:
    return when.astimezone(BEIJING)


def _dto(m: dict, number: str) -> dict:
    status = {"sent": 1, "undelivered": 2, "delivered": 3}[m["status"]]
    return {"PhoneNum": number, "SendStatus": status, "ErrCode": m["error_code"] or (
        "DELIVERED" if status == 3 else ""), "TemplateCode": m["template"], "Content": m["body"],
        "SendDate": _beijing(m["created_at"]).strftime("%Y-%m-%d %H:%M:%S"),
        "ReceiveDate": _beijing(m["receipt_at"]).strftime("%Y-%m-%d %H:%M:%S")
        if m["receipt_at"] else "", "OutId": m["reference"] or ""}


def _answer(code: str, message: str) -> dict:
    return {"Code": code, "Message": message, "RequestId": secrets.token_hex(8)}


def _error(code: str, message: str) -> dict:
    return {**_answer(code, message), "Recommend": "", "HostId": "dysmsapi.aliyuncs.com"}
