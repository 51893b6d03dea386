"""moto_server, plus the IAM and Cognito behaviour Mint depends on that moto 5.2 lacks.

1. Permissions boundaries on users.

moto stores boundaries for roles only. For users it ignores CreateUser's PermissionsBoundary, has no
PutUserPermissionsBoundary or DeleteUserPermissionsBoundary, and leaves PermissionsBoundary out of
GetUser and GetAccountAuthorizationDetails. Mint gives every service user a boundary and repairs a
missing one, so without this every local cycle would try, and fail, to repair every user.

2. DeleteUser's DeleteConflict. IAM refuses to delete a user while it has a password, access keys, signing
certificates, SSH public keys, service-specific credentials, MFA devices, inline or attached policies, or
group memberships (IAM API reference, DeleteUser). moto 5.2 checks only the policies, so a deletion that
fails in AWS would succeed here. moto also has no service-specific credentials at all: it gets an empty
ListServiceSpecificCredentials (and DeleteServiceSpecificCredential answering NoSuchEntity), so a client
that clears a user the way AWS requires works against it.

3. Cognito user pools (issue 15), in local/moto_cognito.py, whose docstring says why for each: client secret
rotation (AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret, at most 2 active
secrets), SECRET_HASH checked against every active secret and required in the password sign-in flows, and
the OAuth 2.0 token endpoint POST /oauth2/token (client_credentials) routed to cognito-idp, and
AdminDeleteUserAttributes accepting an attribute the user does not have, as Cognito does.

Each patch is applied only when moto lacks the feature, so a moto that gains it is used as it is.
Usage: python3 local/moto_server.py [moto_server options]
"""

import sys

try:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.iam.exceptions import DeleteConflictException, NotFoundException
    from moto.iam.models import IAMBackend, User
    from moto.iam.responses import IamResponse
    from moto.server import main

    import moto_cognito  # next to this file, which Python puts first on sys.path
except ImportError as error:  # reported by local/moto.ts with install instructions
    print(f"mint: moto is not installed ({error})", file=sys.stderr, flush=True)
    sys.exit(3)


def _add_user_permissions_boundaries() -> None:
    if hasattr(IamResponse, "put_user_permissions_boundary"):
        return

    User.permissions_boundary_arn = None

    def permissions_boundary(user):
        # Serialized into the User and UserDetail shapes' PermissionsBoundary member.
        if not user.permissions_boundary_arn:
            return None
        return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": user.permissions_boundary_arn}

    User.permissions_boundary = property(permissions_boundary)

    create_user = IamResponse.create_user

    def create_user_with_boundary(self):
        result = create_user(self)
        boundary = self._get_param("PermissionsBoundary")
        if boundary:
            self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
        return result

    def put_user_permissions_boundary(self):
        user = self.backend.get_user(self._get_param("UserName"))
        user.permissions_boundary_arn = self._get_param("PermissionsBoundary")
        return EmptyResult()

    def delete_user_permissions_boundary(self):
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = None
        return EmptyResult()

    IamResponse.create_user = create_user_with_boundary
    IamResponse.put_user_permissions_boundary = put_user_permissions_boundary
    IamResponse.delete_user_permissions_boundary = delete_user_permissions_boundary


# What IAM checks before DeleteUser, with its message: the first that holds refuses the deletion.
_DELETE_CONFLICTS = (
    (lambda backend, user: bool(user.password), "must delete login profile first"),
    (lambda backend, user: bool(user.access_keys), "must delete access keys first"),
    (lambda backend, user: bool(user.signing_certificates), "must delete signing certificates first"),
    (lambda backend, user: bool(user.ssh_public_keys), "must delete SSH public keys first"),
    (lambda backend, user: bool(user.mfa_devices), "must delete MFA device first"),
    (lambda backend, user: bool(user.policies), "must delete policies first"),
    (lambda backend, user: bool(user.managed_policies), "must detach all policies first"),
    (lambda backend, user: bool(backend.get_groups_for_user(user.name)), "must remove users from group first"),
)


def _moto_deletes_users_with_attachments() -> bool:
    """Probes a throwaway backend: does DeleteUser go through while the user still has a password?"""
    backend = IAMBackend(region_name="global", account_id="000000000000")
    backend.create_user(region_name="us-east-1", user_name="probe")
    backend.create_login_profile("probe", "Probe-password-1")
    try:
        backend.delete_user("probe")
    except DeleteConflictException:
        return False
    return True


def _refuse_deleting_users_with_attachments() -> None:
    if not _moto_deletes_users_with_attachments():
        return
    delete_user = IAMBackend.delete_user

    def delete_user_as_iam_does(self, user_name):
        user = self.get_user(user_name)
        for holds, message in _DELETE_CONFLICTS:
            if holds(self, user):
                raise DeleteConflictException(f"Cannot delete entity, {message}.")
        return delete_user(self, user_name)

    IAMBackend.delete_user = delete_user_as_iam_does


def _add_service_specific_credentials() -> None:
    if hasattr(IamResponse, "list_service_specific_credentials"):
        return

    def list_service_specific_credentials(self):
        self.backend.get_user(self._get_param("UserName"))
        return ActionResult({"ServiceSpecificCredentials": [], "IsTruncated": False})

    def delete_service_specific_credential(self):
        self.backend.get_user(self._get_param("UserName"))
        credential = self._get_param("ServiceSpecificCredentialId")
        raise NotFoundException(f"No such service-specific credential: {credential}")

    IamResponse.list_service_specific_credentials = list_service_specific_credentials
    IamResponse.delete_service_specific_credential = delete_service_specific_credential


if __name__ == "__main__":
    _add_user_permissions_boundaries()
    _refuse_deleting_users_with_attachments()
    _add_service_specific_credentials()
    moto_cognito.apply()
    main(sys.argv[1:])
