/**
 * Grants that no call in the authorization tier exercises, each with the reason it must exist anyway.
 * `principal` is a function's construct name without `Fn` (`Report`), `every function`, or
 * `state machine`; `sid` narrows it to one statement.
 */
export const UNEXERCISED_GRANTS: readonly {
  principal: string;
  sid?: string;
  actions: readonly string[];
  why: string;
}[] = [
  {
    principal: 'every function',
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    why: "AWSLambdaBasicExecutionRole: the Lambda runtime writes the function's logs, not its code",
  },
  {
    principal: 'Report',
    sid: 'MissingObjectsAre404',
    actions: ['s3:ListBucket'],
    why:
      "Report reads every batch's outcome file; one whose batch died before writing it must read as " +
      'missing (404), not as AccessDenied (403)',
  },
  {
    principal: 'every function',
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    why: 'only with mint:tracing=true: the function sends its traces',
  },
];
