"""The Alibaba Cloud SMS gateway: the official SDK, registered templates, codes to outcomes."""

import json
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ServerException
from Tea.exceptions import TeaException, UnretryableException

from diary.rules import phones
from diary.sms import mainland
from diary.sms.codes import TemplateCodes
from diary.sms.gateway import GatewayError, ProviderMessage, SendResult, Wording

log = logging.getLogger("diary.sms")
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com"
BEIJING = ZoneInfo("Asia/Shanghai")  # QuerySendDetails takes the send date in Beijing time
PAGE_SIZE = 50
# SendStatus in QuerySendDetails: 1 waiting for the receipt, 2 failed, 3 delivered.
SEND_STATUS = {1: "sent", 2: "undelivered", 3: "delivered"}
CODES = mainland.CodeClasses(
    retry=frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User",
                     "Throttling.Api", "isp.RAM_PERMISSION_DENY_THROTTLING"}),
    invalid=frozenset({"isv.MOBILE_NUMBER_ILLEGAL"}),
    opted_out=frozenset(),
    unknown_prefixes=("isp.",))


class AliyunGateway:
    """Sends through Alibaba Cloud SMS (SendSms) and looks sends up (QuerySendDetails)."""

    name = "aliyun"
    lists_sends_after = timedelta(0)  # QuerySendDetails lists a send at once, waiting or not
    polls_receipts = True

    def __init__(self, access_key_id: str, access_key_secret: str, sign_name: str,
                 codes: TemplateCodes, *, endpoint: str | None = None, timeout: float = 10.0,
                 param_limit: int = 35) -> None:
        url = urlsplit(endpoint if endpoint and "://" in endpoint
                       else "https://" + (endpoint or DEFAULT_ENDPOINT.split("://")[1]))
        millis = int(timeout * 1000)
        self.client = Client(utils_models.Config(
            access_key_id=access_key_id, access_key_secret=access_key_secret,
            endpoint=url.netloc, protocol=url.scheme, read_timeout=millis,
            connect_timeout=millis))
        self.sign_name, self.codes, self.param_limit = sign_name, codes, param_limit

    def send(self, to: str, body: str, status_callback: str | None,
             wording: Wording | None = None, reference: str | None = None) -> SendResult:
        """SendSms with the wording's template code and parameters as JSON."""
        template = mainland.template_for(self.codes, wording, self.param_limit, to)
        if isinstance(template, SendResult):
            return template
        code, params = template
        request = models.SendSmsRequest(
            phone_numbers=provider_number(to), sign_name=self.sign_name, template_code=code,
            template_param=json.dumps(dict(params), ensure_ascii=False) if params else None,
            out_id=reference)
        try:
            answer = self.client.send_sms(request).body
        except UnretryableException as error:
            return mainland.no_answer(str(error), to)
        except (AlibabaCloudException, TeaException) as error:
            server = isinstance(error, ServerException)
            return CODES.refused(str(error.code), to, server=server)
        if answer.code != "OK":
            return CODES.refused(str(answer.code), to)
        log.info("sms %s to %s: accepted", answer.biz_id, phones.mask(to))
        return SendResult(mainland.Outcome.ACCEPTED, sid=answer.biz_id, status="sent")

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """The number's sends on the Beijing day of the instant and the next (no BizId: OutId)."""
        day, today = since.astimezone(BEIJING).date(), datetime.now(BEIJING).date()
        found = []
        for send_date in (day, day + timedelta(days=1)):
            if send_date <= today:
                found += self._details(to, send_date.strftime("%Y%m%d"))
        return [m for m in reversed(found) if m.created_at is None or m.created_at >= since]

    def _details(self, to: str, send_date: str) -> list[ProviderMessage]:
        request = models.QuerySendDetailsRequest(
            phone_number=provider_number(to), send_date=send_date, page_size=PAGE_SIZE,
            current_page=1)
        try:
            answer = self.client.query_send_details(request).body
        except (AlibabaCloudException, TeaException, UnretryableException) as error:
            raise GatewayError(str(error)) from error
        if answer.code != "OK":
            raise GatewayError(f"QuerySendDetails: {answer.code}")
        rows = answer.sms_send_detail_dtos.sms_send_detail_dto or [] if (
            answer.sms_send_detail_dtos) else []
        return [ProviderMessage(
            "", to, row.content or "", SEND_STATUS.get(row.send_status, "sent"),
            _when(row.send_date), None if row.err_code in (None, "", "DELIVERED") else row.err_code,
            reference=row.out_id) for row in rows]


def provider_number(to: str) -> str:
    """Mainland numbers without +86; others with their country code and no plus."""
    return to[3:] if to.startswith("+86") else to.lstrip("+")


def _when(text: str | None) -> datetime | None:
    """Alibaba's 'yyyy-MM-dd HH:mm:ss' in Beijing time."""
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
