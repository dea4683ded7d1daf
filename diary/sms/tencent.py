"""The Tencent Cloud SMS gateway: the official SDK, registered templates, codes to outcomes."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from diary.rules import phones
from diary.sms import mainland
from diary.sms.codes import TemplateCodes
from diary.sms.gateway import GatewayError, ProviderMessage, SendResult, Wording

log = logging.getLogger("diary.sms")
PULL_LIMIT = 100
LOOK_AHEAD = timedelta(days=2)  # a receipt comes within this time of the send, or never
# Codes in SendStatusSet (per number) and in the error answer (whole request).
CODES = mainland.CodeClasses(
    retry=frozenset({"LimitExceeded.PhoneNumberDailyLimit",
                     "LimitExceeded.PhoneNumberThirtySecondLimit",
                     "LimitExceeded.PhoneNumberOneHourLimit",
                     "LimitExceeded.PhoneNumberSameContentDailyLimit",
                     "LimitExceeded.DeliveryFrequencyLimit", "LimitExceeded.AppDailyLimit",
                     "LimitExceeded.AppCountryOrRegionDailyLimit", "RequestLimitExceeded"}),
    invalid=frozenset({"InvalidParameterValue.IncorrectPhoneNumber",
                       "UnsupportedOperation.UnsupportedRegion"}),
    opted_out=frozenset({"FailedOperation.PhoneNumberInBlacklist"}),
    unknown_prefixes=("InternalError", "ServerNetworkError"))


class TencentGateway:
    """Sends through Tencent Cloud SMS (SendSms) and looks sends up by their status reports."""

    name = "tencent"
    # PullSmsSendStatusByPhoneNumber lists a message only once its receipt is in.
    lists_sends_after = timedelta(minutes=5)
    polls_receipts = True

    def __init__(self, secret_id: str, secret_key: str, app_id: str, sign_name: str,
                 codes: TemplateCodes, *, region: str = "ap-guangzhou",
                 endpoint: str | None = None, timeout: float = 10.0,
                 param_limit: int = 12) -> None:
        http = HttpProfile(reqTimeout=timeout)
        if endpoint:
            url = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
            http.endpoint, http.scheme = url.netloc, url.scheme
        self.client = sms_client.SmsClient(credential.Credential(secret_id, secret_key), region,
                                           ClientProfile(httpProfile=http))
        self.app_id, self.sign_name = app_id, sign_name
        self.codes, self.param_limit = codes, param_limit

    def send(self, to: str, body: str, status_callback: str | None,
             wording: Wording | None = None, reference: str | None = None) -> SendResult:
        """SendSms with the template id and the parameters as an ordered list."""
        template = mainland.template_for(self.codes, wording, self.param_limit, to)
        if isinstance(template, SendResult):
            return template
        request = models.SendSmsRequest()
        request.PhoneNumberSet, request.SmsSdkAppId = [to], self.app_id
        request.SignName, request.TemplateId = self.sign_name, template[0]
        request.TemplateParamSet = [value for _, value in template[1]]
        request.SessionContext = reference or ""
        try:
            answer = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.get_code())
            if code == "ClientNetworkError":
                return mainland.no_answer(str(error.get_message()), to)
            return CODES.refused(code, to)
        status = (answer.SendStatusSet or [None])[0]
        if status is None:
            return mainland.no_answer("empty SendStatusSet", to)
        if status.Code != "Ok":
            return CODES.refused(str(status.Code), to)
        log.info("sms %s to %s: accepted", status.SerialNo, phones.mask(to))
        return SendResult(mainland.Outcome.ACCEPTED, sid=status.SerialNo, status="sent")

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """The number's status reports since the instant, newest first."""
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int(since.timestamp())
        request.EndTime = int((since + LOOK_AHEAD).timestamp())
        request.Offset, request.Limit = 0, PULL_LIMIT
        request.PhoneNumber, request.SmsSdkAppId = to, self.app_id
        try:
            answer = self.client.PullSmsSendStatusByPhoneNumber(request)
        except TencentCloudSDKException as error:
            raise GatewayError(str(error)) from error
        found = [ProviderMessage(
            row.SerialNo, to, "", "delivered" if row.ReportStatus == "SUCCESS" else "undelivered",
            datetime.fromtimestamp(row.UserReceiveTime, UTC) if row.UserReceiveTime else None,
            None if row.ReportStatus == "SUCCESS" else (row.Description or "FAIL")[:64],
            reference=row.SessionContext or None)
            for row in answer.PullSmsSendStatusSet or []]
        return sorted(found, key=lambda m: m.created_at or since, reverse=True)
