import type { EventLog } from './engine';

/**
 * What a local execution would cost as a Standard workflow, from aws-local-stepfunctions' event log.
 *
 * Transitions: Step Functions bills one per state entered, inside inline Map iterations too, plus one
 * per retry attempt. History events, modelled on the HistoryEvent types of the API reference (one
 * history per execution; inline Map iterations write into the parent's):
 * - ExecutionStarted, and ExecutionSucceeded or ExecutionFailed: 1 each
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded|TaskFailed, TaskStateExited = 5,
 *   and TaskScheduled, TaskStarted, TaskFailed|TaskSucceeded = 3 more per retry
 * - Choice, Pass, Succeed, Wait: Entered + Exited = 2; Fail: FailStateEntered = 1
 * - Map: MapStateEntered, MapStateStarted, MapStateSucceeded|Failed, MapStateExited = 4, and
 *   MapIterationStarted + MapIterationSucceeded|Failed = 2 per iteration
 */
export interface ExecutionCost {
  transitions: number;
  historyEvents: number;
}

const ENTERED_EVENTS: Record<string, number> = {
  Task: 5,
  Map: 4,
  Choice: 2,
  Pass: 2,
  Succeed: 2,
  Wait: 2,
  Fail: 1,
};

export function executionCost(events: EventLog[]): ExecutionCost {
  let transitions = 0;
  let historyEvents = 2;
  for (const event of events) {
    switch (event.type) {
      case 'StateEntered': {
        transitions++;
        const type = (event.state as { type?: string } | undefined)?.type ?? 'Task';
        historyEvents += ENTERED_EVENTS[type] ?? 2;
        break;
      }
      case 'StateRetried':
        transitions++;
        historyEvents += 3;
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        historyEvents++;
        break;
      default:
        break;
    }
  }
  return { transitions, historyEvents };
}

/** The largest JSON document any state received or produced, in bytes (the 256 KB quota applies to each). */
export function largestPayloadBytes(events: EventLog[]): number {
  let largest = 0;
  for (const event of events) {
    const state = event.state as { input?: unknown; output?: unknown } | undefined;
    for (const value of [state?.input, state?.output, event.input, event.output]) {
      if (value === undefined) continue;
      largest = Math.max(largest, Buffer.byteLength(JSON.stringify(value)));
    }
  }
  return largest;
}
