import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** cdk-nag's rendering of `Fn::GetAtt <resource>.Arn`, for naming one wildcard finding exactly. */
export function arnToken(construct: IConstruct): string {
  const element = construct.node.defaultChild as CfnElement;
  return `<${Stack.of(construct).getLogicalId(element)}.Arn>`;
}

/**
 * Acknowledges specific cdk-nag findings (never a whole rule) on `scope`, each with the same reason.
 * The partition renders as a literal when the stack's region is known and as a token otherwise, so
 * ARN findings are acknowledged in both spellings.
 */
export function acknowledgeFindings(
  scope: IConstruct,
  rule: string,
  findings: string[],
  reason: string,
): void {
  const ids = new Set<string>();
  for (const finding of findings) {
    ids.add(finding);
    if (finding.includes('arn:aws:')) ids.add(finding.replace('arn:aws:', 'arn:<AWS::Partition>:'));
  }
  Validations.of(scope).acknowledge(
    ...[...ids].map((finding) => ({ id: `AwsSolutions::${rule}[${finding}]`, reason })),
  );
}
