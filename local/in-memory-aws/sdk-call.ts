/**
 * One SDK call as AWS receives it. It lives here, not in the authorization tier, because the in-memory
 * AWS hands each call to its `authorize` hook in this shape and the benchmark (a dev tool outside
 * `test/`) runs that AWS without the tier.
 */

export type Service = 's3' | 'iam' | 'sts' | 'sfn' | 'secretsmanager' | 'cloudformation' | 'cognito-idp';

export interface SdkCall {
  service: Service;
  /** The API operation, as the SDK command without `Command`: `GetObject`. */
  operation: string;
  input: Record<string, unknown>;
}
