import {
  InvalidArgumentError,
  TaskCancelledError,
  TaskTimeoutError,
  UpstreamStepError,
} from 'nestjs-hybrid-scheduler';
import { FlowSteps, localStepReporter } from '../../libs/hybrid-scheduler/src/runner/flow-steps.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** The steps a fallback tier runs in process (no Prefect): same retries, waitFor, timeouts, concurrency. */
describe('flow steps in process (off the Prefect tier)', () => {
  const steps = (signal = new AbortController().signal) =>
    new FlowSteps(localStepReporter(quiet), signal, 'prefect:test/unit');

  it('retries a failing step in process, alone, with its attempt number', async () => {
    const s = steps();
    const attempts: number[] = [];
    const value = await s.task(
      'flaky',
      (step) => {
        attempts.push(step.attempt);
        if (step.attempt < 3) throw new Error('not yet');
        return 'ok';
      },
      { retries: 2, retryDelaySeconds: 0 },
    );
    expect(value).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('a step waiting for a failed step does not run and rejects with UpstreamStepError', async () => {
    const s = steps();
    const broken = s.task('broken', () => {
      throw new Error('disk full');
    });
    let ran = false;
    const after = s.task('after', () => (ran = true), { waitFor: [broken] });
    await expect(broken).rejects.toThrow('disk full');
    await expect(after).rejects.toBeInstanceOf(UpstreamStepError);
    expect(ran).toBe(false);
  });

  it('map keeps item order and at most `concurrency` items at once', async () => {
    const s = steps();
    let inFlight = 0;
    let most = 0;
    const out = await s.map(
      'double',
      [1, 2, 3, 4, 5],
      async (n) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return n * 2;
      },
      { concurrency: 2 },
    );
    expect(out).toEqual([2, 4, 6, 8, 10]);
    expect(most).toBe(2);
  });

  it('a step past timeoutMs fails with TaskTimeoutError; aborting the flow rejects running steps', async () => {
    const s = steps();
    await expect(
      s.task('slow', () => new Promise(() => undefined), { timeoutMs: 20 }),
    ).rejects.toBeInstanceOf(TaskTimeoutError);
    const flow = new AbortController();
    const t = steps(flow.signal).task('forever', () => new Promise(() => undefined));
    flow.abort(new TaskCancelledError('cancelled from the UI'));
    await expect(t).rejects.toThrow('cancelled from the UI');
  });

  it('refuses bad arguments with InvalidArgumentError naming them', () => {
    const s = steps();
    expect(() => s.task('', () => 1)).toThrow(InvalidArgumentError);
    expect(() => s.task('x', () => 1, { waitFor: [Promise.resolve(1)] })).toThrow(/options.waitFor/);
    expect(() => s.map('x', [1], (n) => n, { concurrency: 0 })).toThrow(/options.concurrency/);
  });
});
