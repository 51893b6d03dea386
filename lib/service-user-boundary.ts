import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The default permissions boundary of service users: deny everything. Service users exist to hold
 * credentials for systems outside AWS; an app that needs AWS permissions gets them deliberately by
 * configuring its own boundary (`mint:permissionsBoundaryArn`).
 */
export class ServiceUserBoundary extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'DenyAll', {
      description: 'Mint service users: permissions boundary that allows nothing',
      statements: [
        new iam.PolicyStatement({
          sid: 'DenyAll',
          effect: iam.Effect.DENY,
          actions: ['*'],
          resources: ['*'],
        }),
      ],
    });
  }
}
