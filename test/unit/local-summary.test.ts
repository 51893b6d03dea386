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
      invalidApps: ['"Bad_Id": id must match'],
      users: { created: 2, deleted: 1, repaired: 0 },
      due: 3,
      rotated: 3,
      retired: 1,
      failures: [],
      stateTransitions: 4,
      reportKey: '_mint/cycles/c/report.json',
    });
    expect(formatSummary(summary)).toMatch(/^c: ok \(CycleComplete\) in 1\.23 s, 4 state transitions\n/);
    expect(formatSummary(summary)).toContain('3 due, 3 rotated, 1 previous keys retired');
    expect(formatSummary(summary, 'cognito')).toContain(
      '3 due, 3 rotated, 1 previous client secrets retired',
    );
  });

  it('prints full counts, not the length of the truncated name lists, and says when invalid apps are cut', () => {
    const names = Array.from({ length: 20 }, (_, i) => `app-${i}`);
    const state = {
      apps: {
        active: 3000,
        inactive: 0,
        invalidCount: 25,
        invalid: [{ ref: 'Bad_Id', reason: 'id must match' }],
      },
      reconcile: {
        created: names,
        createdCount: 3000,
        deleted: ['old'],
        deletedCount: 1,
        repaired: [],
        repairedCount: 0,
        heldUsers: ['pierone'],
        heldCount: 1,
        unmanagedUsers: ['stray'],
        unmanagedCount: 1,
        due: 3000,
      },
      report: { reportKey: '_mint/cycles/c/report.json', rotated: 3000, retired: 0, failures: [] },
    };
    const run: CycleRun = {
      name: 'c',
      status: 'SUCCEEDED',
      wallMs: 1,
      events: [entered('Report'), exited('Report', state), entered('CycleComplete')],
    };
    const summary = summarizeCycle(run);
    expect(summary.users).toEqual({ created: 3000, deleted: 1, repaired: 0, held: 1, unmanaged: 1 });
    const text = formatSummary(summary);
    expect(text).toContain(
      'service users  3000 created, 1 deleted, 0 repaired, 1 kept (invalid in Kio), 1 unmanaged (left alone)',
    );
    expect(text).toContain('invalid apps   the first 1 of 25 are listed');
  });

  it('prints ids escaped, so an id with a newline cannot forge an output line', () => {
    const state = {
      apps: {
        active: 0,
        inactive: 0,
        invalidCount: 1,
        invalid: [{ ref: 'x\n  failure        forged', reason: 'id must match\r\u2028' }],
      },
      report: { failures: ['a1: publish: boom\nfake line'] },
    };
    const run: CycleRun = {
      name: 'c',
      status: 'SUCCEEDED',
      wallMs: 1,
      events: [entered('Report'), exited('Report', state), entered('CycleComplete')],
    };
    const lines = formatSummary(summarizeCycle(run)).split('\n');
    expect(lines).toContain('  invalid app    "x\\n  failure        forged": id must match\\r\\u2028');
    expect(lines).toContain('  failure        a1: publish: boom\\nfake line');
    expect(lines.filter((line) => line.includes('forged'))).toHaveLength(1);
    expect(lines).toHaveLength(6);
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
