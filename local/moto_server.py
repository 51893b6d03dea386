"""moto_server, plus the one IAM feature Mint needs that moto 5.2 lacks: permissions boundaries on users.

moto stores boundaries for roles only. For users it ignores CreateUser's PermissionsBoundary, has no
PutUserPermissionsBoundary or DeleteUserPermissionsBoundary, and leaves PermissionsBoundary out of
GetUser and GetAccountAuthorizationDetails. Mint gives every service user a boundary and repairs a
missing one, so without this every local cycle would try, and fail, to repair every user.

The patch is applied only when moto lacks the feature, so a moto that gains it is used as it is.
Usage: python3 local/moto_server.py [moto_server options]
"""

import sys

try:
    from moto.core.responses import EmptyResult
    from moto.iam.models import User
    from moto.iam.responses import IamResponse
    from moto.server import main
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


if __name__ == "__main__":
    _add_user_permissions_boundaries()
    main(sys.argv[1:])
