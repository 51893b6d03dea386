import type * as cognito from 'aws-cdk-lib/aws-cognito';

/**
 * The identity store as deployed (`mint:identityStore`): what the functions' environment and grants
 * name. IAM: the boundary every service user carries and the optional group they join. Cognito: the
 * pool (created or imported by `ServiceUserPool`) and its token endpoint.
 */
export type DeployedIdentityStore =
  | {
      readonly kind: 'iam';
      /** ARN of the permissions boundary every service user must carry. */
      readonly boundaryArn: string;
      /** The IAM group (at the root path) every service user joins (`mint:serviceUserGroup`). */
      readonly serviceUserGroup?: string;
    }
  | {
      readonly kind: 'cognito';
      readonly userPool: cognito.IUserPool;
      /** `https://<domain>/oauth2/token` of the pool. */
      readonly tokenEndpoint: string;
    };
