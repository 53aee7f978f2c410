"""A failed Google API call as an xl-crm error that says what happened and how to fix it.

:func:`failure` turns what gspread, requests and google-auth raise (after the retries of
``sheets_sync.retries``) into the ``SheetsError`` subclasses of ``xl_crm.errors``; a
failure it does not know (a 400 for a bad range, say) is left as gspread's ``APIError``
for the caller.  Messages carry Google's own message, never request or cell contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError

from sheets_sync.retries import is_rate_limited, is_transient
from xl_crm.errors import (
    NotSharedError,
    QuotaExhaustedError,
    SheetsError,
    SheetsTimeoutError,
    SheetsUnavailableError,
    SpreadsheetNotFoundError,
    TokenRefusedError,
    UnauthorizedError,
)


@dataclass(frozen=True)
class Attempted:
    """What was tried: ``method`` (API method id), ``key`` (spreadsheet or file key, or
    None), ``account`` (the service account's email, or None), ``sends`` (how many times
    it was sent), ``seconds`` (from the first send to the end), ``repeatable`` (whether
    the call may be retried at all), ``endpoint`` (the URL standing in for Google, or
    None for Google), ``stand_in`` (True when no credentials were given and the fixed
    token went to ``endpoint``)."""

    method: str
    key: str | None
    account: str | None
    sends: int
    seconds: float
    repeatable: bool
    endpoint: str | None = None
    stand_in: bool = False


def _where(tried: Attempted) -> tuple[str, str]:
    """Who was asked, (zh, en): Google, or the endpoint by its URL."""
    if tried.endpoint:
        return (f"端点 {tried.endpoint}", f"the endpoint {tried.endpoint}")
    return ("Google", "Google")


def _endpoint_hint(tried: Attempted) -> tuple[str, str]:
    """How to check an endpoint (the emulator, or another URL given with --endpoint)."""
    return (
        f"确认模拟器（xl-crm sheets emulator）或 --endpoint / XL_CRM_SHEETS_ENDPOINT 给出的 "
        f"{tried.endpoint} 正在运行且网址无误；慢的端点可用 --timeout 秒数（connect(timeout=...)）",
        f"check that the emulator (xl-crm sheets emulator) or whatever --endpoint / "
        f"XL_CRM_SHEETS_ENDPOINT names at {tried.endpoint} is running and the URL is right; "
        "give a slow one a longer --timeout SECONDS (connect(timeout=...))",
    )


def failure(exc: BaseException, tried: Attempted) -> SheetsError | None:
    """The xl-crm error for ``exc``, or None to let it through unchanged."""
    if isinstance(exc, RefreshError) and tried.stand_in:
        # a 401 made google-auth refresh the fixed token, which it cannot do
        return _token_not_taken(tried, "Unauthorized", spreadsheet=tried.key)
    if isinstance(exc, RefreshError):
        return _refused(exc, tried)
    if isinstance(exc, APIError):
        return _api(exc, tried)
    who = _where(tried)
    if isinstance(exc, requests.Timeout):
        return SheetsTimeoutError(
            (
                f"{who[0]} 在超时时间内没有应答（{tried.method}，{_sent(tried, 'zh')}）",
                f"{who[1]} did not answer within the timeout ({tried.method}, "
                f"{_sent(tried, 'en')})",
            ),
            spreadsheet=tried.key,
            hint=_not_repeated_hint(tried) or (_endpoint_hint(tried) if tried.endpoint else None),
        )
    if is_transient(exc):
        return SheetsUnavailableError(
            (
                f"无法连接{who[0]}（{tried.method}，{_sent(tried, 'zh')}）：{type(exc).__name__}",
                f"could not reach {who[1]} ({tried.method}, {_sent(tried, 'en')}): "
                f"{type(exc).__name__}",
            ),
            spreadsheet=tried.key,
            hint=_not_repeated_hint(tried) or (_endpoint_hint(tried) if tried.endpoint else None),
        )
    return None


def _api(exc: APIError, tried: Attempted) -> SheetsError | None:
    status = exc.response.status_code
    error = exc.error if isinstance(exc.error, dict) else {}
    said = str(error.get("message") or exc.response.reason or "")[:300]
    word = error.get("status") if isinstance(error.get("status"), str) else None
    common = {"status": status, "api_status": word, "spreadsheet": tried.key}
    key = f" {tried.key}" if tried.key else ""
    if is_rate_limited(exc):
        return QuotaExhaustedError(
            (
                f"Google 的请求配额已用完（HTTP {status}，{_sent(tried, 'zh')}）：{said}",
                f"Google's request quota is used up (HTTP {status}, {_sent(tried, 'en')}): {said}",
            ),
            **common,
        )
    if status == 401 and tried.stand_in:
        return _token_not_taken(tried, said, api_status=word, spreadsheet=tried.key)
    if status == 401:
        return UnauthorizedError(
            (
                f"刷新令牌后 Google 仍拒绝凭据（HTTP 401）：{said}",
                f"Google refused the credentials even after a token refresh (HTTP 401): {said}",
            ),
            **common,
        )
    if status == 403:
        return NotSharedError(
            (
                f"无权访问表格{key}（HTTP 403）：{said}",
                f"no permission to open spreadsheet{key} (HTTP 403): {said}",
            ),
            hint=_share_hint(tried.account),
            **common,
        )
    if status == 404 and tried.key and "developerMetadata" not in tried.method:
        return SpreadsheetNotFoundError(
            (
                f"找不到表格{key}（HTTP 404）：{said}",
                f"spreadsheet{key} was not found (HTTP 404): {said}",
            ),
            **common,
        )
    if is_transient(exc):
        return SheetsUnavailableError(
            (
                f"{_where(tried)[0]} 暂时无法处理请求（HTTP {status}，"
                f"{_sent(tried, 'zh')}）：{said}",
                f"{_where(tried)[1]} could not serve the request (HTTP {status}, "
                f"{_sent(tried, 'en')}): {said}",
            ),
            hint=_not_repeated_hint(tried),
            **common,
        )
    return None


def _token_not_taken(tried: Attempted, said: str, **common: Any) -> UnauthorizedError:
    """The endpoint answered 401 to the fixed token sent without credentials."""
    return UnauthorizedError(
        (
            f"端点 {tried.endpoint} 拒绝了令牌（HTTP 401）：{said}",
            f"the endpoint {tried.endpoint} refused the token (HTTP 401): {said}",
        ),
        hint=(
            "没有给出凭据，所以发送的是固定令牌：若端点是模拟器，查看它的令牌状态"
            f'（GET {tried.endpoint}/_emulator/tokens；撤销可用 POST {{"revoke": false}} '
            "恢复）和故障规则（DELETE /_emulator/faults）；否则用 --credentials 给出凭据",
            "no credentials were given, so a fixed token was sent: if the endpoint is the "
            f"emulator, check its token state (GET {tried.endpoint}/_emulator/tokens; POST "
            '{"revoke": false} there undoes a revoke) and its fault rules (DELETE '
            "/_emulator/faults); otherwise give --credentials",
        ),
        status=401,
        **common,
    )


def _refused(exc: RefreshError, tried: Attempted) -> TokenRefusedError:
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else type(exc).__name__
    detail = detail[:200]
    revoked = "invalid_grant" in detail
    if revoked and tried.account:
        hint = (
            f"服务账号 {tried.account} 的密钥可能已删除或停用："
            "在 Google Cloud 控制台为它创建新密钥",
            f"the key of service account {tried.account} may have been deleted or disabled: "
            "create a new key for it in the Google Cloud console",
        )
    elif revoked:
        hint = (
            "授权已被撤销或过期：运行 gcloud auth application-default login 重新授权；"
            "OAuth 应用处于“测试”状态时刷新令牌 7 天后失效",
            "the grant was revoked or has expired: sign in again with gcloud auth "
            "application-default login; an OAuth app left in Testing status has refresh "
            "tokens that expire after 7 days",
        )
    else:
        hint = None
    return TokenRefusedError(
        (
            f"Google 拒绝签发访问令牌：{detail}",
            f"Google refused to issue an access token: {detail}",
        ),
        hint=hint,
        spreadsheet=tried.key,
    )


def _sent(tried: Attempted, lang: str) -> str:
    if lang == "zh":
        return f"共发送 {tried.sends} 次，历时 {tried.seconds:.1f} 秒"
    times = "once" if tried.sends == 1 else f"{tried.sends} times"
    return f"sent {times} in {tried.seconds:.1f} s"


def _share_hint(account: str | None) -> tuple[str, str]:
    if account:
        return (
            f"在 Google 表格中点“共享”，把表格以编辑者身份共享给 {account}",
            f"in Google Sheets click Share and add {account} as an Editor",
        )
    return (
        "在 Google 表格中点“共享”，把表格以编辑者身份共享给你登录的 Google 账号；"
        "并确认凭据的权限范围包含 spreadsheets",
        "in Google Sheets click Share and add the Google account you signed in with as "
        "an Editor; and check the credential's scopes include spreadsheets",
    )


def _not_repeated_hint(tried: Attempted) -> tuple[str, str] | None:
    if tried.repeatable:
        return None
    return (
        f"{tried.method} 不能安全重发，所以没有重试：先查看表格，确认它是否已生效，再决定是否重试",
        f"{tried.method} is not safe to repeat, so it was not retried: look at the sheet to "
        "see whether it took effect before trying again",
    )
