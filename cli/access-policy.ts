import { ownerReadPolicy } from '../lambdas/core/access-policies';
import { APP_ID_PATTERN } from '../lambdas/core/apps';
import { type CliContext, printJson } from './context';
import { CliError, EXIT } from './errors';

/**
 * The identity policy an app owner attaches to the role that reads its credentials (for teams without
 * the MintCredentialsReader CDK construct): always JSON, ready for `aws iam put-role-policy`.
 */
export function accessPolicyCommand(ctx: CliContext, appIds: readonly string[]): number {
  if (appIds.length === 0)
    throw new CliError("name the app(s) with --app ID: 'mint access-policy --app orders'");
  const bad = appIds.filter((id) => !APP_ID_PATTERN.test(id));
  if (bad.length > 0) throw new CliError(`not Kio app ids: ${bad.join(', ')}`);
  const [, partition = 'aws', , region = ''] = ctx.targets.keyArn.split(':');
  printJson(
    ctx,
    ownerReadPolicy({
      bucketName: ctx.targets.bucket,
      keyArn: ctx.targets.keyArn,
      region,
      partition,
      appIds,
    }),
  );
  return EXIT.ok;
}
