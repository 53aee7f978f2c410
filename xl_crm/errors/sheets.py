"""Google Sheets: credentials that cannot be used and API calls that failed for good.

Raised by ``sheets_sync.connect()`` and by the clients it returns (after the retries of
``sheets_sync.http``, so a ``QuotaExhaustedError`` means the retries were used up).  Each
names what Google answered (``status``: the HTTP status, ``api_status``: Google's status word
such as ``PERMISSION_DENIED``) and, where known, the spreadsheet key (``spreadsheet``).
Where the rules come from: docs/sheets.md ("Credentials", "Quotas and retries").
"""

from __future__ import annotations

from pathlib import Path

from xl_crm.errors.base import Text, XlCrmError


class SheetsError(XlCrmError):
    """Family: a Google Sheets credential or API call that failed.  ``status`` is the HTTP
    status (None when no answer came), ``api_status`` Google's status word, ``spreadsheet``
    the key of the spreadsheet the call was for (None when the call was for none)."""

    reason = "sheets-error"
    #: a network or quota failure may pass; 3 tells a scheduler "try again later"
    exit_code = 3

    def __init__(
        self,
        message: Text,
        *,
        hint: Text | None = None,
        file: str | Path | None = None,
        status: int | None = None,
        api_status: str | None = None,
        spreadsheet: str | None = None,
    ) -> None:
        self.status = status
        self.api_status = api_status
        self.spreadsheet = spreadsheet
        super().__init__(message, hint=hint, file=file)


class CredentialsFileError(SheetsError):
    """A credentials file (``connect("key.json")``, ``GOOGLE_APPLICATION_CREDENTIALS``) that
    does not exist, is a folder, or cannot be read."""

    reason = "credentials-not-found"
    exit_code = 2
    fix: Text = (
        "给出服务账号密钥 JSON 或授权用户 JSON 文件的正确路径，并确认有读取权限",
        "give the right path of a service-account key or authorized-user JSON file, "
        "one you can read",
    )


class CredentialsKindError(SheetsError):
    """A credentials file that is not a credential xl-crm can use: not JSON, an OAuth
    client ID file (``installed``/``web``) instead of the credentials made from it, a
    ``type`` google-auth does not know, or a key missing its fields."""

    reason = "credentials-wrong-kind"
    exit_code = 2
    fix: Text = (
        "使用服务账号密钥（type: service_account）或授权用户文件（type: authorized_user，"
        "由 gcloud auth application-default login 生成）",
        "use a service-account key (type: service_account) or an authorized-user file "
        "(type: authorized_user, written by gcloud auth application-default login)",
    )


class NoDefaultCredentialsError(SheetsError):
    """No credentials were given and Application Default Credentials found none
    (``GOOGLE_APPLICATION_CREDENTIALS`` unset, no gcloud ADC file, not on Google Cloud)."""

    reason = "no-default-credentials"
    exit_code = 2
    fix: Text = (
        "运行 gcloud auth application-default login，或把 GOOGLE_APPLICATION_CREDENTIALS "
        "设为服务账号密钥文件的路径，或直接给出密钥文件",
        "run gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS "
        "to a service-account key file, or pass the key file",
    )


class TokenRefusedError(SheetsError):
    """Google's token endpoint refused to give an access token: ``invalid_grant`` (a
    revoked or expired refresh token, a deleted or disabled service-account key, a clock
    far off), or another OAuth error.  Not retried: the credential needs fixing."""

    reason = "token-refused"
    exit_code = 2
    fix: Text = (
        "重新授权（gcloud auth application-default login），或为服务账号创建新密钥",
        "sign in again (gcloud auth application-default login), or create a new key for "
        "the service account",
    )


class UnauthorizedError(SheetsError):
    """The API answered 401 even after google-auth refreshed the token once: the token is
    not accepted (revoked while in use, wrong audience, or an endpoint that wants other
    credentials)."""

    reason = "sheets-unauthorized"
    exit_code = 2
    fix: Text = (
        "检查凭据是否仍然有效并重新授权；使用模拟器时确认 endpoint 与凭据的 token_uri 一致",
        "check the credential is still valid and sign in again; with the emulator, make "
        "sure the endpoint and the credential's token_uri agree",
    )


class NotSharedError(SheetsError):
    """403: the credential may not open the spreadsheet: it is not shared with the
    service account's ``client_email`` (or the signed-in user), or the scope is too narrow.
    The hint names the email to share it with when it is known."""

    reason = "sheet-not-shared"
    exit_code = 2
    fix: Text = (
        "在 Google 表格中点“共享”，把表格以编辑者身份共享给凭据的邮箱",
        "in Google Sheets click Share and add the credential's email as an Editor",
    )


class SpreadsheetNotFoundError(SheetsError):
    """404: no spreadsheet has this key (mistyped, deleted, or a Drive file that is not a
    Google Sheet)."""

    reason = "spreadsheet-not-found"
    exit_code = 2
    fix: Text = (
        "核对表格网址中 /d/ 与 /edit 之间的那段 key",
        "check the key: the part of the sheet's URL between /d/ and /edit",
    )


class QuotaExhaustedError(SheetsError):
    """429 (or Drive's 403 rate-limit answer) on every attempt until the retries or their
    time ran out: the per-user quota (60 reads and 60 writes a minute) is used up, often by
    another program on the same account."""

    reason = "sheets-quota-exhausted"
    fix: Text = (
        "一分钟后再试；减少同一账号上同时运行的程序，或调低 connect() 的 quota",
        "try again in a minute; run fewer programs on the same account, or lower connect()'s quota",
    )


class SheetsUnavailableError(SheetsError):
    """Google answered 500/502/503/504, or the connection failed, on every attempt until
    the retries or their time ran out; or a call that is not safe to repeat (an append, a
    batchUpdate that adds) failed this way once and was not repeated."""

    reason = "sheets-unavailable"
    fix: Text = (
        "稍后再试；若是追加行失败，请先查看表格确认是否已写入，再重试",
        "try again later; if an append failed, look at the sheet first to see whether "
        "the rows went in before trying again",
    )


class SheetsTimeoutError(SheetsUnavailableError):
    """No answer within the timeout (connect or read) on every attempt, or on the one
    attempt of a call that is not safe to repeat."""

    reason = "sheets-timeout"
    fix: Text = (
        "检查网络（或 --endpoint 的网址）后重试，或给出更长的 --timeout 秒数"
        "（connect(timeout=...)）",
        "check the network (or the --endpoint URL) and try again, or give a longer "
        "--timeout SECONDS (connect(timeout=...))",
    )
