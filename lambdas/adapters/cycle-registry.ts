import { ExecutionStatus, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RunningExecution } from '../core/cycle';

/** The running executions of Mint's state machine: the record of which cycles are in progress. */
export interface CycleRegistry {
  running(stateMachineArn: string): Promise<RunningExecution[]>;
}

export class StepFunctionsCycleRegistry implements CycleRegistry {
  constructor(private readonly sfn: SFNClient) {}

  async running(stateMachineArn: string): Promise<RunningExecution[]> {
    const found: RunningExecution[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn,
          statusFilter: ExecutionStatus.RUNNING,
          maxResults: 1000,
          nextToken,
        }),
      );
      for (const execution of page.executions ?? []) {
        if (execution.executionArn && execution.startDate) {
          found.push({ executionArn: execution.executionArn, startDate: execution.startDate });
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }
}
