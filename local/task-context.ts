import { AsyncLocalStorage } from 'node:async_hooks';

/** One invocation of a task's handler: a new object each time, so it also tells invocations apart. */
export interface TaskInvocation {
  state: string;
}

/**
 * The workflow state whose handler is running, for every AWS call it makes (through awaits and SDK
 * middleware): the authorization tier evaluates each call as the function of that state, and the fault
 * matrix kills one invocation at a chosen call.
 */
export const currentTask = new AsyncLocalStorage<TaskInvocation>();
