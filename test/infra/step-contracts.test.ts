import * as z from 'zod';
import {
  batchIterationSchema,
  batchRefSchema,
  cycleStateSchema,
  listAppsInputSchema,
  listAppsOutputSchema,
  reconcileInputSchema,
  reconcileOutputSchema,
  recordRetryInputSchema,
  reportInputSchema,
  reportOutputSchema,
  retryServiceUsersInputSchema,
  rotateBatchInputSchema,
  rotationResultSchema,
  startCycleInputSchema,
  startCycleOutputSchema,
} from '../../lambdas/contracts/steps';
import { STATE } from '../../lib/workflow-states';
import { renderDefinition, synthMint } from '../../local/stack';

/** What each Task state's function parses its input with. */
const INPUTS: Record<string, z.ZodObject> = {
  [STATE.startCycle]: startCycleInputSchema,
  [STATE.listApps]: listAppsInputSchema,
  [STATE.reconcile]: reconcileInputSchema,
  [STATE.reconcileMore]: reconcileInputSchema,
  [STATE.retryServiceUsers]: retryServiceUsersInputSchema,
  [STATE.rotateBatch]: rotateBatchInputSchema,
  [STATE.retryBatch]: rotateBatchInputSchema,
  [STATE.report]: reportInputSchema,
  [STATE.recordRetry]: recordRetryInputSchema,
};

/** Where each Task's output lands in the state, and the schema its function returns. */
const OUTPUTS: Record<string, [string, z.ZodType]> = {
  [STATE.listApps]: ['$.apps', listAppsOutputSchema],
  [STATE.reconcile]: ['$.reconcile', reconcileOutputSchema],
  [STATE.reconcileMore]: ['$.reconcile', reconcileOutputSchema],
  [STATE.report]: ['$.report', reportOutputSchema],
};

/** The schema found at `path` (`$.a.b`) inside `schema`, or undefined when the path does not exist. */
function schemaAt(schema: z.ZodType, path: string): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const segment of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    current = current && field(current, segment);
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  return schema;
}

function field(schema: z.ZodType, name: string): z.ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return inner.shape[name];
  if (inner instanceof z.ZodUnion) {
    for (const option of inner.options as z.ZodType[]) {
      const found = field(option, name);
      if (found) return found;
    }
  }
  return undefined;
}

interface State {
  Type: string;
  Parameters?: Record<string, unknown>;
  ItemSelector?: Record<string, unknown>;
  ItemsPath?: string;
  ResultPath?: string | null;
  Choices?: { Variable: string }[];
  ItemProcessor?: { States: Record<string, State> };
  Catch?: { ResultPath?: string }[];
}

/** Every JSONPath a state reads from its input (`key.$` values, ItemsPath, Choice variables). */
function pathsRead(state: State): string[] {
  const paths: string[] = [];
  const walk = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('.$') && typeof inner === 'string' && inner.startsWith('$.')) paths.push(inner);
      else walk(inner);
    }
  };
  walk(state.Parameters);
  walk(state.ItemSelector);
  if (state.ItemsPath) paths.push(state.ItemsPath);
  for (const choice of state.Choices ?? []) paths.push(choice.Variable);
  return paths;
}

/** Problems of one definition against the contracts; empty when every path and payload fits. */
function contractProblems(definition: { States: Record<string, State> }): string[] {
  const problems: string[] = [];
  const check = (states: Record<string, State>, stateSchema: z.ZodType) => {
    for (const [name, state] of Object.entries(states)) {
      for (const path of pathsRead(state)) {
        if (!schemaAt(stateSchema, path)) problems.push(`${name} reads ${path}, which no step produces`);
      }
      for (const path of [state.ResultPath, ...(state.Catch ?? []).map((c) => c.ResultPath)]) {
        if (typeof path === 'string' && path !== '$' && !schemaAt(stateSchema, path)) {
          problems.push(`${name} writes ${path}, which the state's contract does not have`);
        }
      }
      const input = INPUTS[name];
      if (state.Type === 'Task' && input) {
        const given = new Set(Object.keys(state.Parameters ?? {}).map((key) => key.replace(/\.\$$/, '')));
        for (const key of given) {
          if (!(key in input.shape)) problems.push(`${name} is given ${key}, which its function drops`);
        }
        for (const [key, schema] of Object.entries(input.shape)) {
          if (!given.has(key) && !(schema as z.ZodType).safeParse(undefined).success) {
            problems.push(`${name} is not given ${key}, which its function requires`);
          }
        }
      }
      if (state.ItemProcessor) check(state.ItemProcessor.States, batchIterationSchema);
    }
  };
  check(definition.States, cycleStateSchema);
  return problems;
}

describe('the definition against the step contracts', () => {
  const definition = renderDefinition(synthMint().template) as unknown as { States: Record<string, State> };

  it('reads only paths some step produces, and gives every function exactly the input it parses', () => {
    expect(contractProblems(definition)).toEqual([]);
  });

  it('places each output where the next steps read it, with the producer’s own schema', () => {
    for (const [name, [path, output]] of Object.entries(OUTPUTS)) {
      expect([name, definition.States[name]?.ResultPath]).toEqual([name, path]);
      expect(schemaAt(cycleStateSchema, path)).toBe(output);
    }
    // StartCycle's output is the whole state at first.
    expect(definition.States[STATE.startCycle]?.ResultPath).toBeUndefined();
    expect(cycleStateSchema.shape.cycle).toBe(startCycleOutputSchema.shape.cycle);
    // The rotation Maps iterate over batch references.
    for (const map of [STATE.rotateDueApps, STATE.retryFailedApps]) {
      const items = schemaAt(cycleStateSchema, definition.States[map]?.ItemsPath ?? '');
      expect(items instanceof z.ZodArray && items.element).toBe(batchRefSchema);
    }
  });

  it('keeps every kind of Map result: a batch’s outcomes, its failure count, or the BatchLost record', () => {
    for (const result of [
      { outcomes: [{ appId: 'orders', status: 'rotated' }] },
      { failed: 2 },
      { lost: { error: 'Lambda.Unknown', cause: 'killed' } },
    ]) {
      expect(rotationResultSchema.parse(result)).toEqual(result);
    }
  });

  it('names a path no step produces, an input a function drops and one it misses', () => {
    const broken = structuredClone(definition);
    const choice = broken.States[STATE.anyAppFailed];
    if (choice?.Choices?.[0]) choice.Choices[0].Variable = '$.report.failedAppz';
    const report = broken.States[STATE.report];
    if (report?.Parameters) {
      delete report.Parameters['apps.$'];
      report.Parameters['extra.$'] = '$.cycle';
    }
    expect(contractProblems(broken)).toEqual([
      `${STATE.report} is given extra, which its function drops`,
      `${STATE.report} is not given apps, which its function requires`,
      `${STATE.anyAppFailed} reads $.report.failedAppz, which no step produces`,
    ]);
  });
});
