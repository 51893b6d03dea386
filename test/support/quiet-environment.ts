import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

type Write = typeof process.stdout.write;

/**
 * Jest's Node environment, quiet when green: what the code under test writes straight to stdout and
 * stderr (handler logs, EMF metrics, Powertools' notices, a local runner's output) is held per test and
 * printed only when that test, or a hook before it, fails, under the test's name. Jest's own console
 * (console.log in a test) and reporters are untouched.
 */
export default class QuietEnvironment extends TestEnvironment {
  private held: string[] = [];
  private realOut: Write | undefined;
  private realErr: Write | undefined;

  override async setup(): Promise<void> {
    await super.setup();
    this.realOut = process.stdout.write;
    this.realErr = process.stderr.write;
    const hold = ((chunk: unknown, ...rest: unknown[]) => {
      this.held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    }) as Write;
    process.stdout.write = hold;
    process.stderr.write = hold;
  }

  override async teardown(): Promise<void> {
    if (this.realOut) process.stdout.write = this.realOut;
    if (this.realErr) process.stderr.write = this.realErr;
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'test_start') this.held = [];
    if (event.name === 'test_done' && event.test.errors.length > 0)
      this.flush(`output of "${event.test.name}"`);
    if (event.name === 'hook_failure') this.flush(`output up to the failed ${event.hook.type} hook`);
  }

  private flush(title: string): void {
    const text = this.held.join('');
    this.held = [];
    if (text === '' || !this.realErr) return;
    this.realErr.call(process.stderr, `\n──── ${title} ────\n${text}\n──── end ────\n`);
  }
}
