"""Helpers for the Sheets emulator tests: raw HTTP calls and a throwaway service account."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def http(method: str, url: str, body: object = None, token: str | None = "t") -> tuple[int, dict]:
    """One raw request; (status, JSON reply)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            raw = reply.read()
            return reply.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def service_account_info(url: str) -> dict:
    """A service-account key file's contents with a fresh RSA key, its ``token_uri`` the
    emulator at ``url`` (which does not check signatures)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "emulated",
        "private_key_id": "1",
        "private_key": pem,
        "client_email": "robot@emulated.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"{url}/token",
    }


def authorized_user_info() -> dict:
    """An authorized-user file's contents (what ``gcloud auth application-default login``
    writes); its token endpoint is Google's until ``connect(endpoint=...)`` moves it."""
    return {
        "type": "authorized_user",
        "client_id": "xl-crm-test.apps.googleusercontent.com",
        "client_secret": "not-a-secret",
        "refresh_token": "refresh-me",
    }


def inject(url: str, *rules: dict) -> None:
    """Add fault rules to the emulator at ``url`` (docs/sheets-emulator.md)."""
    status, reply = http("POST", f"{url}/_emulator/faults", {"faults": list(rules)}, token=None)
    assert status == 200, reply


def request_log(url: str, api: str | None = None) -> list[dict]:
    """The emulator's request log, only the calls of Google method ``api`` when given."""
    entries = http("GET", f"{url}/_emulator/requests", token=None)[1]["requests"]
    return [e for e in entries if api is None or e.get("api") == api]


def no_default_credentials(monkeypatch, folder) -> None:
    """An environment where Application Default Credentials find nothing and connect()
    has no endpoint: no GOOGLE_APPLICATION_CREDENTIALS, a gcloud config ``folder`` without
    an ADC file, and google-auth told it is not on Google Cloud (``NO_GCE_CHECK``)."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.delenv("XL_CRM_SHEETS_ENDPOINT", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(folder))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
