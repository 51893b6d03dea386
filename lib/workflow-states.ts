/** The workflow's state names: what the console, the history and `mint` show. No CDK here, so the CLI can import it. */
export const STATE = {
  startCycle: 'StartCycle',
  anotherCycleRunning: 'AnotherCycleRunning?',
  skipped: 'SkippedAnotherCycleRunning',
  listApps: 'ListApps',
  reconcile: 'ReconcileServiceUsers',
  rotateDueApps: 'RotateDueApps',
  rotateBatch: 'RotateBatch',
  report: 'Report',
  anyAppFailed: 'AnyAppFailed?',
  retryFailedApps: 'RetryFailedApps',
  retryBatch: 'RetryBatch',
  recordRetry: 'RecordRetry',
  usersReconciled: 'ServiceUsersReconciled?',
  usersNotReconciled: 'ServiceUsersNotReconciled',
  deletionsBlocked: 'DeletionsBlocked',
  done: 'CycleComplete',
} as const;
