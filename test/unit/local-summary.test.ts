import type { CycleRun } from '../../local/engine';
import { assertLocalEndpoint } from '../../local/local-mint';
import { formatSummary, summarizeCycle } from '../../local/summary';

const exited = (name: string, output: unknown, index?: number) => ({
  type: 'StateExited',
  timestamp: 0,
  state: { name, type: 'Task', input: {}, output },
  ...(index === undefined ? {} : { index }),
});
const entered = (name: string, index?: number) => ({
  type: 'StateEntered',
  timestamp: 0,
  state: { name, type: 'Task', input: {} },
  ...(index === undefined ? {} : { index }),
});

describe('summarizeCycle', () => {
  it('reads apps, users and rotations from the last top-level state output', () => {
    const state = {
      apps: {
        active: 3,
        inactive: 1,
        invalidCount: 1,
        invalid: [{ ref: 'Bad_Id', reason: 'id must match' }],
      },
      reconcile: { created: ['a', 'b'], deleted: ['old'], repaired: [], due: 3 },
      report: { reportKey: '_mint/cycles/c/report.json', rotated: 3, retired: 1, failures: [] },
    };
    const run: CycleRun = {
      name: 'c',
      status: 'SUCCEEDED',
      wallMs: 1234,
      events: [
        entered('ListApps'),
        exited('ListApps', { apps: state.apps }),
        entered('RotateBatch', 0),
        exited('RotateBatch', { ignored: true }, 0),
        entered('Report'),
        exited('Report', state),
        entered('CycleComplete'),
      ],
    };
    const summary = summarizeCycle(run);
    expect(summary).toMatchObject({
      outcome: 'CycleComplete',
      apps: { active: 3, inactive: 1, invalid: 1 },
      invalidApps: ['Bad_Id: id must match'],
      users: { created: 2, deleted: 1, repaired: 0 },
      due: 3,
      rotated: 3,
      retired: 1,
      failures: [],
      stateTransitions: 4,
      reportKey: '_mint/cycles/c/report.json',
    });
    expect(formatSummary(summary)).toMatch(/^c: ok \(CycleComplete\) in 1\.23 s, 4 state transitions\n/);
  });

  it('names the error and its message when the execution fails', () => {
    const run: CycleRun = {
      name: 'c',
      status: 'FAILED',
      wallMs: 10,
      events: [
        entered('ListApps'),
        {
          type: 'ExecutionFailed',
          timestamp: 0,
          Error: 'Mint.KioUnusable',
          Cause: JSON.stringify({ errorMessage: 'Kio returned HTTP 503; nothing was deleted' }),
        },
      ],
    };
    const summary = summarizeCycle(run);
    expect(summary.outcome).toBe('Mint.KioUnusable');
    expect(summary.failures).toEqual(['Mint.KioUnusable: Kio returned HTTP 503; nothing was deleted']);
    expect(formatSummary(summary)).toMatch(/FAILED \(Mint.KioUnusable\)/);
  });
});

describe('assertLocalEndpoint', () => {
  it('accepts loopback and container hosts', () => {
    expect(() => assertLocalEndpoint('http://127.0.0.1:5000')).not.toThrow();
    expect(() => assertLocalEndpoint('http://localstack:4566')).not.toThrow();
  });

  it('refuses real AWS, since the runner creates users and writes secrets', () => {
    expect(() => assertLocalEndpoint('https://iam.amazonaws.com')).toThrow(/is real AWS.*cdk deploy/);
    expect(() => assertLocalEndpoint('not a url')).toThrow(/is not a URL/);
  });
});
