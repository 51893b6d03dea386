"""The Cognito user pool behaviour Mint's identity store (issue 15) depends on that moto 5.2 lacks.

Imported by local/moto_server.py, which calls apply() before it starts the server.

1. Client secret rotation: AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret.
moto gives an app client one fixed secret and has none of these operations, so Mint could not rotate a
secret at all. Added as the API reference describes them: a client holds at most 2 active secrets
(LimitExceededException for a third), the secret CreateUserPoolClient generated is the first of them,
ids are `<client-id>--<epoch-create-time>`, ClientSecretValue is returned only by AddUserPoolClientSecret
and only when Cognito generated it, a client created without a secret gets none (InvalidParameterException),
and the last remaining secret cannot be deleted (InvalidParameterException: the reference lists it among
DeleteUserPoolClientSecret's errors and names no other fit). DescribeUserPoolClient's ClientSecret is the
oldest active secret, so it never shows a deleted one.
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddUserPoolClientSecret.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ClientSecretDescriptorType.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserPoolClientSecret.html

2. SECRET_HASH checked against every active secret. Where moto checks a SECRET_HASH (USER_SRP_AUTH,
REFRESH_TOKEN_AUTH, the MFA challenge answers) it compares with the client's one fixed secret, so a second
secret would be refused and a deleted one still accepted. Each check now accepts a hash made with any
active secret. A wrong hash is refused with Cognito's message, "Unable to verify secret hash for client
<id>", and a missing one with "Client <id> is configured with secret but SECRET_HASH was not received"
(moto puts the submitted hash itself in the message).

3. SECRET_HASH required by USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH. moto checks
no hash in these flows, so a client with a secret signs users in without it, and a rotated-out secret could
never be seen to stop working. Cognito requires it whenever the client has a secret.
https://repost.aws/knowledge-center/cognito-unable-to-verify-secret-hash (the hash, and the wrong-hash message)

4. The OAuth 2.0 token endpoint, POST /oauth2/token, client_credentials grant only. moto has no token
endpoint; an M2M app proves its client secret there. Cognito serves it on the pool domain,
https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token; here it is <moto url>/oauth2/token and the pool
is found from the client id. Client authentication is client_secret_basic or client_secret_post. Errors are
HTTP 400 with {"error": ...} as the token endpoint page maps them: invalid_request (no grant_type, or a
client_id in the body that differs from the Authorization header's), unsupported_grant_type, invalid_client
(unknown client, no or a wrong or deleted secret), unauthorized_client (client_credentials not enabled for the
client), and invalid_scope (RFC 6749 section 5.2) for a scope outside the client's AllowedOAuthScopes, so
asking for one fails loudly here. The token endpoint page says instead that Cognito ignores such scopes: a
caller should rely on neither. The access token is an RS256 JWT signed with the pool's key, which moto serves
at /<pool id>/.well-known/jwks.json; expires_in follows AccessTokenValidity and TokenValidityUnits.
https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html

5. Routing /oauth2/token to cognito-idp. moto_server picks a service from the Host header, then from a SigV4
Authorization header, X-Amz-Target or the body; a token request has none of these (its Authorization is HTTP
Basic), so moto falls back to S3. A POST to exactly /oauth2/token without SigV4 (header or presigned query)
now goes to cognito-idp; every signed request is routed as before.

6. AdminDeleteUserAttributes of an attribute the user does not have. Cognito answers 200 and changes nothing
(deleting is idempotent); moto raises InvalidParameterException "Attribute does not exist in the schema"
for any attribute not set on the user, declared in the pool or not. Mint clears its marks by deleting their
attributes whether or not they are set (the previous secret's id after retirement, a failure count after
success), so every first rotation failed here. A name that is set is deleted as before.

Each patch is applied only when moto lacks the feature, so a moto that gains it is used as it is.
"""

import base64
import hashlib
import hmac
import io
import json
import re
import string
import threading
import time

from joserfc import jwt
from moto.cognitoidp import models, urls
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random as random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

# ----------------------------------------------------------------------------------------------------------
# 1. Client secret rotation

MAX_ACTIVE_SECRETS = 2
_CUSTOM_SECRET = re.compile(r"[\w+]+")
_GENERATED_SECRET_LENGTH = 51  # within the 24-64 characters the reference allows
_secrets_lock = threading.Lock()


class LimitExceededException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("LimitExceededException", message)


def _new_descriptor(client, value: str) -> dict:
    """A secret as stored on the client; its id names its creation second, made unique per client."""
    epoch = max(int(time.time()), getattr(client, "last_secret_epoch", 0) + 1)
    client.last_secret_epoch = epoch
    return {
        "ClientSecretId": f"{client.id}--{epoch}",
        "ClientSecretValue": value,
        "ClientSecretCreateDate": utcnow(),
    }


def _public(descriptor: dict) -> dict:
    return {key: value for key, value in descriptor.items() if key != "ClientSecretValue"}


def _active_secrets(client) -> list:
    if hasattr(client, "client_secrets"):
        return client.client_secrets
    # A moto with its own rotation API: fall back to its one fixed secret.
    return [{"ClientSecretValue": client.secret}] if client.generate_secret else []


def _sync_described_secret(client) -> None:
    """DescribeUserPoolClient shows `client.secret`: keep it the oldest active secret."""
    if client.client_secrets:
        client.secret = client.client_secrets[0]["ClientSecretValue"]


def _validate_custom_secret(value: str) -> None:
    # The value itself is left out of the message, as AWS leaves out sensitive members.
    if not 24 <= len(value) <= 64:
        raise InvalidParameterException(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: "
            "Member must have length less than or equal to 64 and greater than or equal to 24"
        )
    if not _CUSTOM_SECRET.fullmatch(value):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\w+]+"
        )


def add_user_pool_client_secret(self, user_pool_id: str, client_id: str, client_secret: str | None) -> dict:
    if client_secret is not None:
        _validate_custom_secret(client_secret)
    client = self.describe_user_pool_client(user_pool_id, client_id)
    if not client.generate_secret:
        raise InvalidParameterException(f"App client {client_id} was created without a client secret.")
    with _secrets_lock:
        if len(client.client_secrets) >= MAX_ACTIVE_SECRETS:
            raise LimitExceededException(
                f"App client {client_id} already has the maximum of {MAX_ACTIVE_SECRETS} client secrets."
            )
        generated = client_secret is None
        value = client_secret if not generated else _generated_secret()
        descriptor = _new_descriptor(client, value)
        client.client_secrets.append(descriptor)
        _sync_described_secret(client)
    return descriptor if generated else _public(descriptor)


def _generated_secret() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(random.choice(alphabet) for _ in range(_GENERATED_SECRET_LENGTH))


def list_user_pool_client_secrets(self, user_pool_id: str, client_id: str) -> list:
    client = self.describe_user_pool_client(user_pool_id, client_id)
    return [_public(descriptor) for descriptor in _active_secrets(client)]


def delete_user_pool_client_secret(self, user_pool_id: str, client_id: str, secret_id: str) -> None:
    client = self.describe_user_pool_client(user_pool_id, client_id)
    with _secrets_lock:
        secrets = _active_secrets(client)
        if not any(descriptor["ClientSecretId"] == secret_id for descriptor in secrets):
            raise ResourceNotFoundError(f"Client secret {secret_id} does not exist for client {client_id}.")
        if len(secrets) == 1:
            raise InvalidParameterException(f"Cannot delete the last client secret of client {client_id}.")
        client.client_secrets = [kept for kept in secrets if kept["ClientSecretId"] != secret_id]
        _sync_described_secret(client)


def _add_client_secret_rotation() -> None:
    if hasattr(CognitoIdpResponse, "add_user_pool_client_secret"):
        return

    create_client = CognitoIdpUserPoolClient.__init__

    def create_client_with_first_secret(self, user_pool_id, generate_secret, extended_config):
        create_client(self, user_pool_id, generate_secret, extended_config)
        self.client_secrets = [_new_descriptor(self, self.secret)] if self.generate_secret else []

    def add_secret_action(self):
        descriptor = self.backend.add_user_pool_client_secret(
            self._get_param("UserPoolId"), self._get_param("ClientId"), self._get_param("ClientSecret")
        )
        return ActionResult({"ClientSecretDescriptor": descriptor})

    def list_secrets_action(self):
        secrets = self.backend.list_user_pool_client_secrets(
            self._get_param("UserPoolId"), self._get_param("ClientId")
        )
        return ActionResult({"ClientSecrets": secrets})

    def delete_secret_action(self):
        self.backend.delete_user_pool_client_secret(
            self._get_param("UserPoolId"), self._get_param("ClientId"), self._get_param("ClientSecretId")
        )
        return EmptyResult()

    CognitoIdpUserPoolClient.__init__ = create_client_with_first_secret
    CognitoIdpBackend.add_user_pool_client_secret = add_user_pool_client_secret
    CognitoIdpBackend.list_user_pool_client_secrets = list_user_pool_client_secrets
    CognitoIdpBackend.delete_user_pool_client_secret = delete_user_pool_client_secret
    CognitoIdpResponse.add_user_pool_client_secret = add_secret_action
    CognitoIdpResponse.list_user_pool_client_secrets = list_secrets_action
    CognitoIdpResponse.delete_user_pool_client_secret = delete_secret_action
    _check_hashes_against_active_secrets()


# ----------------------------------------------------------------------------------------------------------
# 2. and 3. SECRET_HASH


def _find_client(client_id: str):
    """(user pool, app client) for a client id, from all accounts and regions: client ids are unique."""
    for account_backends in cognitoidp_backends.values():
        for region, backend in account_backends.items():
            if region == "global":
                continue
            for user_pool in backend.user_pools.values():
                if client_id in user_pool.clients:
                    return user_pool, user_pool.clients[client_id]
    return None, None


def _secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_secret_hash(client, username: str, secret_hash: str | None) -> None:
    """Raises NotAuthorizedException unless secret_hash was made with one of the client's active secrets."""
    if not secret_hash:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    secrets = (descriptor["ClientSecretValue"] for descriptor in _active_secrets(client))
    hashes = (_secret_hash(secret, username or "", client.id) for secret in secrets)
    if not any(hmac.compare_digest(expected, secret_hash) for expected in hashes):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def _check_hashes_against_active_secrets() -> None:
    # moto's flows call models.check_secret_hash(client.secret, client.id, username, hash) and raise
    # NotAuthorizedError(hash) on False; this raises Cognito's own error first, or answers True.
    check_one_secret = models.check_secret_hash

    def check_any_active_secret(app_client_secret, app_client_id, username, secret_hash):
        _, client = _find_client(app_client_id)
        if client is None:
            return check_one_secret(app_client_secret, app_client_id, username, secret_hash)
        verify_secret_hash(client, username, secret_hash)
        return True

    models.check_secret_hash = check_any_active_secret


_PASSWORD_FLOWS = ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")


def _probe_password_flows() -> tuple[bool, bool]:
    """Probes a throwaway backend: do (InitiateAuth, AdminInitiateAuth) password sign-ins pass a bad hash?"""
    backend = CognitoIdpBackend(region_name="us-east-1", account_id="000000000000")
    pool = backend.create_user_pool("probe", {})
    client = backend.create_user_pool_client(pool.id, True, {})
    backend.admin_create_user(pool.id, "probe", "SUPPRESS", None, [])
    backend.admin_set_user_password(pool.id, "probe", "Probe-password-1!", True)
    wrong = {"USERNAME": "probe", "PASSWORD": "Probe-password-1!", "SECRET_HASH": "wrong"}
    passes = []
    for sign_in in (
        lambda: backend.initiate_auth(client.id, "USER_PASSWORD_AUTH", wrong),
        lambda: backend.admin_initiate_auth(pool.id, client.id, "ADMIN_USER_PASSWORD_AUTH", wrong),
    ):
        try:
            sign_in()
            passes.append(True)
        except NotAuthorizedError:
            passes.append(False)
    return passes[0], passes[1]


def _require_secret_hash_in_password_flows() -> None:
    user_flow_passes, admin_flow_passes = _probe_password_flows()

    def check_hash(user_pool, client_id, auth_flow, auth_parameters):
        client = user_pool.clients.get(client_id) if user_pool else None
        if auth_flow in _PASSWORD_FLOWS and client is not None and client.generate_secret:
            parameters = auth_parameters or {}
            verify_secret_hash(client, parameters.get("USERNAME"), parameters.get("SECRET_HASH"))

    if user_flow_passes:
        initiate_auth = CognitoIdpBackend.initiate_auth

        def initiate_auth_checking_hash(self, client_id, auth_flow, auth_parameters):
            pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
            check_hash(pool, client_id, auth_flow, auth_parameters)
            return initiate_auth(self, client_id, auth_flow, auth_parameters)

        CognitoIdpBackend.initiate_auth = initiate_auth_checking_hash

    if admin_flow_passes:
        admin_initiate_auth = CognitoIdpBackend.admin_initiate_auth

        def admin_initiate_auth_checking_hash(self, user_pool_id, client_id, auth_flow, auth_parameters):
            check_hash(self.user_pools.get(user_pool_id), client_id, auth_flow, auth_parameters)
            return admin_initiate_auth(self, user_pool_id, client_id, auth_flow, auth_parameters)

        CognitoIdpBackend.admin_initiate_auth = admin_initiate_auth_checking_hash


# ----------------------------------------------------------------------------------------------------------
# 4. and 5. The token endpoint

TOKEN_PATH = "/oauth2/token"
_TOKEN_URL_PATH = "{0}" + TOKEN_PATH + "$"
_GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_JSON = {"Content-Type": "application/json;charset=UTF-8"}


class _OAuthError(Exception):
    def __init__(self, error: str, description: str | None = None):
        super().__init__(error)
        self.error = error
        self.description = description


def _client_credentials(request) -> tuple[str | None, str | None]:
    """client_secret_basic (Authorization: Basic base64(id:secret)) or client_secret_post (form fields)."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return request.form.get("client_id"), request.form.get("client_secret")
    try:
        client_id, colon, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are both ValueErrors
        raise _OAuthError("invalid_client") from error
    if not colon:
        raise _OAuthError("invalid_client")
    if request.form.get("client_id") not in (None, client_id):
        raise _OAuthError("invalid_request")
    return client_id, secret


def _access_token_seconds(config: dict) -> int:
    validity = config.get("AccessTokenValidity")
    if not validity:
        return 3600
    unit = (config.get("TokenValidityUnits") or {}).get("AccessToken") or "hours"
    return int(validity) * _UNIT_SECONDS[unit]


def _client_credentials_token(request) -> dict:
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise _OAuthError("invalid_request")
    if grant_type not in _GRANT_TYPES:
        raise _OAuthError("unsupported_grant_type")
    if grant_type != "client_credentials":
        raise _OAuthError("unsupported_grant_type", "local/moto_cognito.py emulates only client_credentials")
    client_id, secret = _client_credentials(request)
    user_pool, client = _find_client(client_id) if client_id else (None, None)
    if client is None or not secret or not any(
        hmac.compare_digest(descriptor["ClientSecretValue"], secret) for descriptor in _active_secrets(client)
    ):
        raise _OAuthError("invalid_client")
    config = client.extended_config
    if not config.get("AllowedOAuthFlowsUserPoolClient") or "client_credentials" not in (
        config.get("AllowedOAuthFlows") or []
    ):
        raise _OAuthError("unauthorized_client")
    allowed = config.get("AllowedOAuthScopes") or []
    requested = (request.form.get("scope") or "").split()
    if any(scope not in allowed for scope in requested) or not (requested or allowed):
        raise _OAuthError("invalid_scope")
    scopes = requested or allowed
    expires_in = _access_token_seconds(config)
    now = int(time.time())
    claims = {
        "sub": client.id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": f"https://cognito-idp.{user_pool.region}.amazonaws.com/{user_pool.id}",
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": str(random.uuid4()),
        "client_id": client.id,
    }
    # Signed as moto signs the pool's other tokens, so the pool's JWKS verifies it.
    header = {"kid": user_pool.json_web_key.kid or "dummy", "alg": "RS256"}
    access_token = jwt.encode(header, claims, user_pool.json_web_key)
    return {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}


def token_endpoint(request, full_url, headers):
    try:
        return 200, dict(_JSON), json.dumps(_client_credentials_token(request))
    except _OAuthError as error:
        body = {"error": error.error}
        if error.description:
            body["error_description"] = error.description
        return 400, dict(_JSON), json.dumps(body)


def _is_token_request(environ) -> bool:
    signed = environ.get("HTTP_AUTHORIZATION", "").startswith("AWS4-") or "X-Amz-Credential" in environ.get(
        "QUERY_STRING", ""
    )
    return environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == TOKEN_PATH and not signed


def _token_requests_reach_cognito() -> bool:
    """Probes moto's dispatcher: where do token requests, with Basic and with form credentials, go?"""
    dispatcher = DomainDispatcherApplication(create_app=lambda service: None)
    body = b"grant_type=client_credentials&client_id=probe&client_secret=probe"
    for authorization in ("Basic " + base64.b64encode(b"probe:probe").decode(), None):
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": TOKEN_PATH,
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        if authorization:
            environ["HTTP_AUTHORIZATION"] = authorization
        host = dispatcher.infer_service_region_host(environ, TOKEN_PATH) or ""
        if not host.startswith("cognito-idp."):
            return False
    return True


def _add_token_endpoint() -> None:
    if not any(TOKEN_PATH in url_path for url_path in urls.url_paths):
        urls.url_paths[_TOKEN_URL_PATH] = token_endpoint
    if _token_requests_reach_cognito():
        return
    infer_service_region_host = DomainDispatcherApplication.infer_service_region_host

    def infer_with_token_endpoint(self, environ, path):
        if _is_token_request(environ):
            # Any region: the handler finds the pool from the client id.
            return "cognito-idp.us-east-1.amazonaws.com"
        return infer_service_region_host(self, environ, path)

    DomainDispatcherApplication.infer_service_region_host = infer_with_token_endpoint


# ----------------------------------------------------------------------------------------------------------
# 6. Deleting an attribute the user does not have


def _deleting_unset_attribute_fails() -> bool:
    """Probes a throwaway user: does deleting an attribute it does not have raise?"""
    user = CognitoIdpUser("probe", "probe", None, "CONFIRMED", [])
    try:
        user.delete_attributes(["custom:probe"])
    except InvalidParameterException:
        return True
    return False


def _delete_only_attributes_that_are_set() -> None:
    if not _deleting_unset_attribute_fails():
        return
    delete_attributes = CognitoIdpUser.delete_attributes

    def delete_set_attributes(self, attrs_to_delete):
        present = {attribute["Name"] for attribute in self.attributes}
        delete_attributes(self, [name for name in attrs_to_delete if name in present])

    CognitoIdpUser.delete_attributes = delete_set_attributes


def apply() -> None:
    _add_client_secret_rotation()
    _require_secret_hash_in_password_flows()
    _add_token_endpoint()
    _delete_only_attributes_that_are_set()
