"""Google credentials for ``connect()``: a service-account key, an authorized-user file,
Application Default Credentials, or credentials already made; with clear errors.

Kinds and the ADC search order are google-auth's (research/gsheets.md §7,
https://google.aip.dev/auth/4110): ``GOOGLE_APPLICATION_CREDENTIALS``, then the gcloud ADC
file (``gcloud auth application-default login``), then the Google Cloud metadata server.
A service account must have the spreadsheet shared with its ``client_email``
(https://docs.gspread.org/en/latest/oauth2.html).  Nothing here logs or returns a secret.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from xl_crm.errors import CredentialsFileError, CredentialsKindError, NoDefaultCredentialsError

#: gspread's DEFAULT_SCOPES: Sheets, and Drive for open-by-title, create, share and the
#: file's version
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
#: JSON ``type`` values google-auth loads besides the two read here (google/auth/_default.py)
OTHER_KINDS = (
    "external_account",
    "external_account_authorized_user",
    "impersonated_service_account",
    "gdch_service_account",
)


@dataclass(frozen=True)
class Loaded:
    """Credentials ready for gspread: ``credentials`` (google-auth), ``kind``
    (``service_account``, ``authorized_user``, ``adc``, ``given`` ...), ``email`` (the
    service account's ``client_email``, to name in "share the sheet with" hints; None
    when unknown) and ``source`` (the file read, or None)."""

    credentials: Credentials
    kind: str
    email: str | None = None
    source: str | None = None


def load_credentials(
    source: Any = None, *, scopes: tuple[str, ...] = SCOPES, token_uri: str | None = None
) -> Loaded:
    """Credentials from ``source``:

    - a path (str or Path) to a service-account key or an authorized-user JSON file (the
      other kinds google-auth knows, such as ``external_account``, load through it);
    - a dict: the same JSON, already parsed;
    - google-auth ``Credentials``: used as they are;
    - None: Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS`` is read
      here so its errors name the file).

    ``token_uri`` (the emulator's ``/token``) replaces the credentials' token endpoint.
    Raises CredentialsFileError (file missing or unreadable), CredentialsKindError (not a
    credential we can use), NoDefaultCredentialsError (ADC found nothing).
    """
    if source is None:
        env = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        if env:
            return _from_file(Path(env), scopes, token_uri, via_env=True)
        return _default(scopes, token_uri)
    if isinstance(source, Credentials):
        return Loaded(_retarget(source, token_uri), "given", _email_of(source))
    if isinstance(source, dict):
        return _from_info(source, scopes, token_uri, None)
    if isinstance(source, str | os.PathLike):
        return _from_file(Path(source), scopes, token_uri, via_env=False)
    raise CredentialsKindError(
        (
            f"无法把 {type(source).__name__} 当作凭据",
            f"cannot use a {type(source).__name__} as credentials",
        ),
        hint=(
            "给出 JSON 文件路径、解析后的 dict 或 google-auth 凭据对象",
            "give a JSON file path, its parsed dict, or google-auth credentials",
        ),
    )


def _from_file(path: Path, scopes: tuple[str, ...], token_uri: str | None, via_env: bool) -> Loaded:
    where = (
        ("（来自 GOOGLE_APPLICATION_CREDENTIALS）", " (from GOOGLE_APPLICATION_CREDENTIALS)")
        if via_env
        else ("", "")
    )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = ("凭据文件不存在", "the credentials file does not exist")
    except IsADirectoryError:
        problem = ("凭据路径是一个文件夹", "the credentials path is a folder")
    except (OSError, UnicodeDecodeError) as exc:
        problem = (f"无法读取凭据文件：{exc}", f"cannot read the credentials file: {exc}")
    else:
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if not isinstance(info, dict):
            raise CredentialsKindError(
                ("凭据文件不是 JSON 对象", "the credentials file is not a JSON object"),
                file=path,
            ) from None
        return _from_info(info, scopes, token_uri, path)
    raise CredentialsFileError((problem[0] + where[0], problem[1] + where[1]), file=path)


def _from_info(
    info: dict[str, Any], scopes: tuple[str, ...], token_uri: str | None, path: Path | None
) -> Loaded:
    kind = info.get("type")
    if token_uri and kind in ("service_account", "authorized_user"):
        info = {**info, "token_uri": token_uri}
    try:
        if kind == "service_account":
            creds: Any = service_account.Credentials.from_service_account_info(
                info, scopes=list(scopes)
            )
            return Loaded(creds, kind, info.get("client_email"), _name(path))
        if kind == "authorized_user":
            # google-auth always sets Google's token endpoint here: move it afterwards
            creds = user_credentials.Credentials.from_authorized_user_info(info, list(scopes))
            return Loaded(_retarget(creds, token_uri), kind, None, _name(path))
        if kind in OTHER_KINDS:
            creds, _ = google.auth.load_credentials_from_dict(info, scopes=list(scopes))
            return Loaded(_retarget(creds, token_uri), kind, _email_of(creds), _name(path))
    except (ValueError, KeyError, google.auth.exceptions.GoogleAuthError) as exc:
        raise CredentialsKindError(
            (f"{kind} 凭据不完整或已损坏：{exc}", f"the {kind} credentials are incomplete: {exc}"),
            file=path,
        ) from None
    raise CredentialsKindError(_wrong_kind(info), file=path, hint=_kind_hint(info))


def _wrong_kind(info: dict[str, Any]) -> tuple[str, str]:
    if "installed" in info or "web" in info:
        return (
            "这是 OAuth 客户端 ID 文件（client_secret），不是凭据",
            "this is an OAuth client ID file (client_secret), not a credential",
        )
    kind = info.get("type")
    return (
        f"不支持的凭据类型 {kind!r}",
        f"credentials of type {kind!r} cannot be used",
    )


def _kind_hint(info: dict[str, Any]) -> tuple[str, str] | None:
    if "installed" in info or "web" in info:
        return (
            "用它生成授权用户文件：gcloud auth application-default login "
            "--client-id-file=此文件，或 gspread.oauth()；然后传入生成的文件",
            "make an authorized-user file from it: gcloud auth application-default login "
            "--client-id-file=THIS_FILE, or gspread.oauth(); then pass the file it writes",
        )
    return None


def _default(scopes: tuple[str, ...], token_uri: str | None) -> Loaded:
    try:
        creds, _project = google.auth.default(scopes=list(scopes))
    except google.auth.exceptions.DefaultCredentialsError as exc:
        raise NoDefaultCredentialsError(
            (
                "未给出凭据，也找不到应用默认凭据 (ADC)",
                f"no credentials were given and no Application Default Credentials were "
                f"found ({exc})",
            )
        ) from None
    return Loaded(_retarget(creds, token_uri), "adc", _email_of(creds))


def _retarget(creds: Any, token_uri: str | None) -> Any:
    """``creds`` with its token endpoint at ``token_uri`` when they have one to change."""
    if token_uri and hasattr(creds, "with_token_uri"):
        return creds.with_token_uri(token_uri)
    return creds


def _email_of(creds: Any) -> str | None:
    email = getattr(creds, "service_account_email", None)
    return email if isinstance(email, str) and "@" in email else None


def _name(path: Path | None) -> str | None:
    return str(path) if path is not None else None
