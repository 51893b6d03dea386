import type { RunningExecution } from '../../core/cycle';
import type { CycleRegistry } from '../cycle-registry';

interface Execution extends RunningExecution {
  stateMachineArn: string;
  running: boolean;
}

/**
 * Executions of state machines in memory: `start` and `stop` arrange them; `running` lists a machine's
 * running executions newest first, as ListExecutions does.
 */
export class InMemoryCycleRegistry implements CycleRegistry {
  private readonly executions: Execution[] = [];

  start(stateMachineArn: string, executionArn: string, startDate: Date = new Date()): void {
    this.executions.push({ stateMachineArn, executionArn, startDate, running: true });
  }

  /** Ends the execution (succeeded, failed, aborted: none of them is running). */
  stop(executionArn: string): void {
    for (const execution of this.executions)
      if (execution.executionArn === executionArn) execution.running = false;
  }

  async running(stateMachineArn: string): Promise<RunningExecution[]> {
    return this.executions
      .filter((execution) => execution.running && execution.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .map(({ executionArn, startDate }) => ({ executionArn, startDate }));
  }
}
