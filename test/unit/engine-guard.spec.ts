import { TierUnavailableError } from 'nestjs-hybrid-scheduler';
import { guardEngine, type EngineWatch } from '../../libs/hybrid-scheduler/src/common/engine-guard.js';

/** An engine whose outage state the test sets by hand. */
function watched(): EngineWatch & { down(at?: Date): void; up(): void } {
  let since: Date | undefined;
  return {
    engine: 'bullmq',
    address: '127.0.0.1:6390',
    outage: {
      get downSince() {
        return since;
      },
      get lastReason() {
        return since ? 'is unreachable (ECONNREFUSED)' : undefined;
      },
    },
    down: (at = new Date()) => (since = at),
    up: () => (since = undefined),
  };
}

const never = () => new Promise<never>(() => undefined);

describe('guardEngine: no caller hangs on an engine outage', () => {
  it('fails at once, without calling the engine, when the outage is older than the bound', async () => {
    const watch = watched();
    watch.down(new Date(Date.now() - 5_000));
    let called = false;
    const started = Date.now();
    const error = await guardEngine(watch, 300, 'enqueueWorkflow("wf")', async () => {
      called = true;
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(100);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(TierUnavailableError);
    expect(error).toMatchObject({ engine: 'bullmq', address: '127.0.0.1:6390' });
    expect((error as Error).message).toMatch(
      /^enqueueWorkflow\("wf"\): the bullmq engine at 127\.0\.0\.1:6390 is unavailable since .* \(is unreachable \(ECONNREFUSED\)\); gave up after waiting 300ms/,
    );
  });

  it('lets a short blip pass: a call made during a young outage runs once the engine is back', async () => {
    const watch = watched();
    watch.down();
    setTimeout(() => watch.up(), 100);
    await expect(guardEngine(watch, 1_000, 'pause', async () => 'done')).resolves.toBe('done');
  });

  it('fails a call under way once the outage that started meanwhile is as old as the bound', async () => {
    const watch = watched();
    setTimeout(() => watch.down(), 50);
    const started = Date.now();
    await expect(guardEngine(watch, 200, 'deadLetters', never)).rejects.toThrow(TierUnavailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(Date.now() - started).toBeLessThan(800);
  });

  it('passes the engine through untouched while it answers', async () => {
    const watch = watched();
    await expect(guardEngine(watch, 10, 'x', async () => 42)).resolves.toBe(42);
    await expect(guardEngine(watch, 10, 'x', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
  });
});
