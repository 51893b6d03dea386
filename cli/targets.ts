import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './errors';

/** What the CLI operates on: the stack outputs StateMachineArn and BucketName. */
export interface MintTargets {
  stateMachineArn: string;
  bucket: string;
}

export interface TargetOptions {
  stack: string;
  stateMachineArn?: string;
  bucket?: string;
  region?: string;
}

/**
 * Flags and environment variables win; whatever they leave open is read from the stack's outputs,
 * so an operator with the stack deployed under its default name needs no flag at all.
 */
export async function resolveTargets(
  options: TargetOptions,
  cloudFormation: () => CloudFormationClient,
): Promise<MintTargets> {
  if (options.stateMachineArn && options.bucket) {
    return { stateMachineArn: options.stateMachineArn, bucket: options.bucket };
  }
  let outputs: Record<string, string>;
  try {
    const result = await cloudFormation().send(new DescribeStacksCommand({ StackName: options.stack }));
    outputs = Object.fromEntries(
      (result.Stacks?.[0]?.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError') {
      throw new CliError(
        `stack '${options.stack}' not found${options.region ? ` in ${options.region}` : ''}. Pass --stack NAME and --region, or --state-machine-arn and --bucket (MINT_STATE_MACHINE_ARN, MINT_BUCKET).`,
      );
    }
    throw error;
  }
  const stateMachineArn = options.stateMachineArn ?? outputs.StateMachineArn;
  const bucket = options.bucket ?? outputs.BucketName;
  if (!stateMachineArn || !bucket) {
    throw new CliError(
      `stack '${options.stack}' has no ${stateMachineArn ? 'BucketName' : 'StateMachineArn'} output; is it a Mint stack? Pass --state-machine-arn and --bucket instead.`,
    );
  }
  return { stateMachineArn, bucket };
}

/** An execution named by ARN or by name (the cycle id `mint status` shows). */
export function executionArn(stateMachineArn: string, execution: string): string {
  if (execution.startsWith('arn:')) return execution;
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution}`;
}
