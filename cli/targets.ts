import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './errors';

/** What the CLI operates on: the stack outputs StateMachineArn, BucketName and KeyArn. */
export interface MintTargets {
  stateMachineArn: string;
  bucket: string;
  keyArn: string;
}

export type Target = keyof MintTargets;

export interface TargetOptions {
  stack: string;
  stateMachineArn?: string;
  bucket?: string;
  keyArn?: string;
  region?: string;
}

const OUTPUTS: Record<Target, { output: string; flag: string }> = {
  stateMachineArn: { output: 'StateMachineArn', flag: '--state-machine-arn' },
  bucket: { output: 'BucketName', flag: '--bucket' },
  keyArn: { output: 'KeyArn', flag: '--key-arn' },
};

/**
 * Flags and environment variables win; whatever a command needs and they leave open is read from the
 * stack's outputs, so an operator with the stack deployed under its default name needs no flag at all.
 */
export async function resolveTargets(
  options: TargetOptions,
  needs: readonly Target[],
  cloudFormation: () => CloudFormationClient,
): Promise<MintTargets> {
  const given: MintTargets = {
    stateMachineArn: options.stateMachineArn ?? '',
    bucket: options.bucket ?? '',
    keyArn: options.keyArn ?? '',
  };
  const missing = needs.filter((target) => !given[target]);
  if (missing.length === 0) return given;
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
        `stack '${options.stack}' not found${options.region ? ` in ${options.region}` : ''}. Pass --stack NAME and --region, or ${missing.map((t) => OUTPUTS[t].flag).join(' and ')}.`,
      );
    }
    throw error;
  }
  for (const target of missing) {
    const value = outputs[OUTPUTS[target].output];
    if (!value) {
      throw new CliError(
        `stack '${options.stack}' has no ${OUTPUTS[target].output} output; is it a Mint stack (redeploy it if it predates this output)? Pass ${OUTPUTS[target].flag} instead.`,
      );
    }
    given[target] = value;
  }
  return given;
}

/** An execution named by ARN or by name (the cycle id `mint status` shows). */
export function executionArn(stateMachineArn: string, execution: string): string {
  if (execution.startsWith('arn:')) return execution;
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution}`;
}
