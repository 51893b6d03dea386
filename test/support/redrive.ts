import { type CycleRun, runCycle } from './workflow-harness';

type State = { Next?: string; Default?: string; Choices?: { Next?: string }[]; Catch?: { Next?: string }[] };

/** The definition started at `start`, with only the states reachable from it (as the engine requires). */
function from(definition: Record<string, unknown>, start: string): Record<string, unknown> {
  const states = definition.States as Record<string, State>;
  const reachable = new Set<string>();
  const visit = (name: string | undefined) => {
    if (!name || reachable.has(name)) return;
    reachable.add(name);
    const state = states[name];
    for (const next of [
      state?.Next,
      state?.Default,
      ...(state?.Choices ?? []).map((c) => c.Next),
      ...(state?.Catch ?? []).map((c) => c.Next),
    ])
      visit(next);
  };
  visit(start);
  return {
    ...definition,
    StartAt: start,
    States: Object.fromEntries(Object.entries(states).filter(([name]) => reachable.has(name))),
  };
}

/**
 * Step Functions' redrive, as far as the local engine can show it (it cannot redrive): the execution
 * restarts at the top-level state it failed in, with that state's original input, against the world as
 * it is now. Inside a Map, AWS re-runs only the failed iterations; here the whole Map state runs again,
 * which is the same for RetryFailedApps, whose items are only the failed apps.
 */
export async function redrive(
  definition: Record<string, unknown>,
  failed: CycleRun,
  options: Parameters<typeof runCycle>[2] = {},
): Promise<CycleRun & { restartedAt: string }> {
  const states = definition.States as Record<string, unknown>;
  const entered = new Map<string, unknown>();
  let restartedAt: string | undefined;
  for (const event of failed.events) {
    const state = (event as { state?: { name?: string; input?: unknown } }).state;
    if (!state?.name || !(state.name in states)) continue;
    if (event.type === 'StateEntered') entered.set(state.name, state.input);
    if (event.type === 'StateFailed') restartedAt = state.name;
  }
  if (failed.status !== 'FAILED' || !restartedAt) throw new Error(`${failed.name} did not fail in a state`);
  const run = await runCycle(from(definition, restartedAt), entered.get(restartedAt), {
    ...options,
    name: failed.name,
  });
  return { ...run, restartedAt };
}
