"""Tokens of an OpenID Connect provider: its JWKS served from a local HTTP server (loopback),
keys made here with `cryptography`, rotated, and the server taken down."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from app.db import Database
from app.server import create_app
from app.settings import Settings, SettingsError, get_settings
from tests.conftest import PARTNER, SUPPLIER
from tests.live import WS
from tests.test_revocation import deactivate_organization, deactivate_user, revoke

ISSUER = "https://login.portal.test/"
AUDIENCE = "provider-orders-api"
VIEWER = "{ viewer { user { email } } }"


class Key:
    def __init__(self, kid: str, kind: str = "RS256"):
        self.kid, self.alg = kid, kind
        if kind == "RS256":
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk.update(kid=kid, use="sig", alg=kind)

    def sign(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "sub": "idp|42", "email": PARTNER}
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, self.private, algorithm=self.alg, headers={"kid": self.kid})


class JWKSServer:
    """Serves `keys` as a JWKS at /jwks on loopback; `down` answers 503; counts the requests."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.down = False
        self.requests = 0
        self.release = threading.Event()  # cleared: requests hang until it is set
        self.release.set()
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.requests += 1
                jwks.release.wait(10)
                if jwks.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [key.jwk for key in jwks.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()


def oidc_settings(jwks: JWKSServer, **overrides: Any) -> dict[str, Any]:
    return {
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": jwks.url,
        "oidc_jwks_min_refresh_seconds": 0,
        **overrides,
    }


@pytest.fixture
async def oidc_app(database_url: str, jwks: JWKSServer) -> AsyncIterator[Any]:
    """start(**settings) -> an httpx client of an app accepting the provider's tokens."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> httpx.AsyncClient:
            settings = Settings(
                database_url=database_url, PROVIDER_ORDERS_ENV="test", **oidc_settings(jwks, **overrides)
            )
            db = Database(settings)
            stack.push_async_callback(db.dispose)
            app = create_app(settings, db)
            await app.state.bus.start()
            stack.push_async_callback(app.state.bus.close)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            )
            http.app = app  # type: ignore[attr-defined]
            return http

        yield start


async def viewer(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def email_of(body: dict[str, Any]) -> str:
    assert not body.get("errors"), body
    return body["data"]["viewer"]["user"]["email"]


def refusal(body: dict[str, Any]) -> str:
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", body
    return error["message"]


async def test_rs256_and_es256_tokens_name_users_by_email_and_dev_tokens_still_work(oidc_app, jwks, gql) -> None:
    rsa_key, ec_key = Key("rsa-1"), Key("ec-1", "ES256")
    jwks.keys = [rsa_key, ec_key]
    http = await oidc_app()
    assert email_of(await viewer(http, rsa_key.sign())) == PARTNER
    assert email_of(await viewer(http, ec_key.sign(email=SUPPLIER.upper()))) == SUPPLIER
    assert email_of(await viewer(http, await gql.token(PARTNER))) == PARTNER  # a development token
    assert jwks.requests == 1  # the key set is cached


async def test_the_user_claim_is_configurable(oidc_app, jwks) -> None:
    key = Key("rsa-1")
    jwks.keys = [key]
    http = await oidc_app(oidc_user_claim="upn")
    assert email_of(await viewer(http, key.sign(email=None, upn=SUPPLIER))) == SUPPLIER
    assert "no 'upn' claim" in refusal(await viewer(http, key.sign()))


async def test_a_rotated_key_is_fetched_when_a_token_names_it(oidc_app, jwks) -> None:
    old, new = Key("2026-01"), Key("2026-07")
    jwks.keys = [old]
    http = await oidc_app()
    assert email_of(await viewer(http, old.sign())) == PARTNER
    jwks.keys = [new]  # the provider rotated its key
    assert email_of(await viewer(http, new.sign())) == PARTNER
    assert jwks.requests == 2


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(alg: str, secret: bytes | None = None, **claims: Any) -> str:
    """A token PyJWT refuses to make: unsigned (`none`), or HS256 with a public key as the secret."""
    body = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, "email": PARTNER, **claims}
    signing_input = (
        f"{b64(json.dumps({'alg': alg, 'typ': 'JWT', 'kid': 'rsa-1'}).encode())}.{b64(json.dumps(body).encode())}"
    )
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


async def test_bad_tokens_are_unauthenticated(oidc_app, jwks) -> None:
    key, stranger = Key("rsa-1"), Key("rsa-1")  # the stranger claims the published key's id
    jwks.keys = [key]
    http = await oidc_app()
    public_pem = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    cases = {
        "unknown key": (Key("not-published").sign(), "does not publish"),
        "forged with the key id": (stranger.sign(), "invalid token"),
        "wrong audience": (key.sign(aud="another-api"), "audience"),
        "wrong issuer": (key.sign(iss="https://evil.test/"), "issuer"),
        "expired": (key.sign(exp=int(time.time()) - 3600), "token expired"),
        "alg none": (handmade("none"), "invalid token"),
        "HS256 with the public key": (handmade("HS256", public_pem), "invalid token"),
        "no expiry": (key.sign(exp=None), "invalid token"),
        "unverified e-mail": (key.sign(email_verified=False), "not verified"),
        "unknown user": (key.sign(email="nobody@nowhere.example"), "unknown user"),
    }
    for name, (token, message) in cases.items():
        assert message in refusal(await viewer(http, token)), name


async def test_provider_down_cached_keys_keep_working_new_keys_fail_closed(oidc_app, jwks) -> None:
    known, rotated = Key("known"), Key("rotated")
    jwks.keys = [known]
    http = await oidc_app(oidc_jwks_cache_seconds=0.01, oidc_jwks_timeout_seconds=3)  # old at once: re-fetched
    assert email_of(await viewer(http, known.sign())) == PARTNER
    jwks.down = True
    jwks.keys = [known, rotated]
    time.sleep(0.02)
    assert email_of(await viewer(http, known.sign())) == PARTNER
    assert "does not publish" in refusal(await viewer(http, rotated.sign()))
    assert jwks.requests >= 2  # it did try
    jwks.release.clear()  # the provider now hangs: a cached key does not wait for it
    assert email_of(await asyncio.wait_for(viewer(http, known.sign()), 2.5)) == PARTNER
    jwks.release.set()
    jwks.down = False
    assert email_of(await viewer(http, rotated.sign())) == PARTNER


async def test_a_hanging_provider_blocks_nothing_and_times_out(oidc_app, jwks) -> None:
    key = Key("rsa-1")
    jwks.keys = [key]
    http = await oidc_app(oidc_jwks_timeout_seconds=1)
    jwks.release.clear()
    waiting = asyncio.create_task(viewer(http, key.sign()))
    while jwks.requests == 0:
        await asyncio.sleep(0.01)
    # The key set is being fetched (and hangs): the server still answers others meanwhile.
    assert (await asyncio.wait_for(http.get("/healthz"), 5)).status_code == 200
    assert not waiting.done()
    assert "does not publish" in refusal(await waiting)  # the fetch timed out: refused, not hung
    jwks.release.set()


async def test_the_admission_gate_counts_a_provider_token_for_its_user(oidc_app, jwks) -> None:
    key = Key("rsa-1")
    jwks.keys = [key]
    http = await oidc_app()
    tokens = http.app.state.graphql.tokens  # type: ignore[attr-defined]
    header = f"Bearer {key.sign()}"
    assert tokens.user_of(header) is None  # not seen yet: the shared line
    assert email_of(await viewer(http, header.removeprefix("Bearer "))) == PARTNER
    assert tokens.user_of(header) == tokens.user_of(f"Bearer {key.sign(iat=1)}") is not None
    assert tokens.user_of(f"Bearer {Key('rsa-1').sign()}") is None  # a forged one counts for nobody


async def test_deactivation_refuses_provider_tokens(oidc_app, jwks) -> None:
    key = Key("rsa-1")
    jwks.keys = [key]
    http = await oidc_app()
    token = key.sign()
    assert email_of(await viewer(http, token)) == PARTNER
    db, bus = http.app.state.db, http.app.state.bus  # type: ignore[attr-defined]
    await deactivate_user(db, bus, PARTNER)
    assert "unknown user" in refusal(await viewer(http, token))
    await deactivate_user(db, bus, PARTNER, active=True)
    await deactivate_organization(db, bus, "Acme Resellers")
    assert "unknown user" in refusal(await viewer(http, token))


async def test_websocket_connection_init_accepts_provider_tokens_and_revocation_closes_it(serve, jwks) -> None:
    key = Key("ec-1", "ES256")
    jwks.keys = [key]
    live = await serve(**oidc_settings(jwks))
    async with WS.connect(live.url) as ws:
        assert (await ws.init(key.sign()))["type"] == "connection_ack"
        await revoke(live.db, live.bus, PARTNER)
        code, _reason = await ws.closed()
        assert code == 4403
    async with WS.connect(live.url) as ws:
        await ws.send({"type": "connection_init", "payload": {"authorization": f"Bearer {key.sign(aud='x')}"}})
        code, _reason = await ws.closed()
        assert code == 4403


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"oidc_issuer": ISSUER}, "go together"),
        ({"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": "file:///etc/passwd"}, "https://"),
        (
            {
                "oidc_issuer": ISSUER,
                "oidc_audience": AUDIENCE,
                "oidc_jwks_url": "http://idp.test/jwks",
                "PROVIDER_ORDERS_ENV": "production",
            },
            "https:// URL in production",
        ),
    ],
)
def test_incomplete_or_unsafe_oidc_settings_are_refused(monkeypatch, settings: dict[str, str], message: str) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name.upper(), value)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match=message):
            get_settings()
    finally:
        get_settings.cache_clear()
