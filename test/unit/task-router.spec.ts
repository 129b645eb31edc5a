import { TierUnavailableError } from 'nestjs-hybrid-scheduler';
import type { TaskDefinition } from '../../libs/hybrid-scheduler/src/interfaces/index.js';
import { TaskRouter } from '../../libs/hybrid-scheduler/src/classifier/task.router.js';

const task = (overrides: Partial<TaskDefinition>): TaskDefinition => ({
  name: 'weekly-report/prod',
  declaredTier: 'prefect',
  schedule: { kind: 'rrule', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9' },
  characteristics: {},
  location: { className: 'Reports', methodName: 'weekly' },
  handler: () => undefined,
  ...overrides,
});

const down = { available: false, reason: 'Prefect at http://prefect:4200/api is unreachable (ECONNREFUSED)' };
const up = { available: true };

describe('TaskRouter', () => {
  const router = new TaskRouter();

  it('keeps the declared tier when it is available', () => {
    expect(router.route(task({}), { prefect: up, queue: up, internal: up }, 'degrade')).toMatchObject({
      tier: 'prefect',
    });
  });

  it('degrades down the chain, naming the reason', () => {
    const routed = router.route(
      task({ schedule: { kind: 'cron', cron: '0 9 * * 1' } }),
      { prefect: down, queue: up, internal: up },
      'degrade',
    );
    expect(routed).toMatchObject({ tier: 'queue', fallbackReason: down.reason });
    expect(routed.schedule).toEqual({ kind: 'cron', cron: '0 9 * * 1' });
    expect(
      router.route(
        task({ schedule: { kind: 'every', everyMs: 60_000 } }),
        { prefect: down, internal: up },
        'degrade',
      ).tier,
    ).toBe('internal');
  });

  it('keeps an rrule task on demand on the fallback tier instead of refusing to boot', () => {
    const declared = task({});
    const routed = router.route(declared, { prefect: down, queue: up, internal: up }, 'degrade');
    expect(routed.tier).toBe('queue');
    expect(routed.schedule).toEqual({ kind: 'none' });
    expect(declared.schedule.kind).toBe('rrule'); // what moves back to Prefect once it answers
  });

  it("turns the declared tier's options into one run policy, whichever tier runs the task", () => {
    const prefect = task({
      schedule: { kind: 'every', everyMs: 60_000 },
      prefect: { retries: 2, retryDelaySeconds: 5, timeoutMs: 9_000, parameters: { depth: 2 } },
    });
    const routed = router.route(prefect, { prefect: down, queue: up, internal: up }, 'degrade');
    expect(routed.policy).toMatchObject({
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 5_000 },
      timeoutMs: 9_000,
      input: { depth: 2 },
    });
    const workflow = task({ name: 'charge', declaredTier: 'queue', schedule: { kind: 'none' }, queue: {} });
    const onQueue = router.route(workflow, { queue: up, internal: up }, 'degrade');
    expect(onQueue.policy).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delayMs: 1000 } });
  });

  it('keeps a queue workflow on the queue tier (its in-process engine) when the engine is down at boot', () => {
    const workflow = task({ name: 'charge', declaredTier: 'queue', schedule: { kind: 'none' }, queue: {} });
    const reason = 'bullmq: Redis at 127.0.0.1:1 is unreachable (ECONNREFUSED)';
    const routed = router.route(workflow, { queue: { available: false, reason }, internal: up }, 'degrade');
    expect(routed).toMatchObject({ tier: 'queue', declaredTier: 'queue', fallbackReason: reason });
    expect(() =>
      router.route(workflow, { queue: { available: false, reason }, internal: up }, 'fail'),
    ).toThrow(TierUnavailableError);
  });

  it("refuses with fallback 'fail', naming the task, the tier and the reason", () => {
    expect(() => router.route(task({}), { prefect: down, queue: up, internal: up }, 'fail')).toThrow(
      TierUnavailableError,
    );
    expect(() => router.route(task({}), { prefect: down, queue: up, internal: up }, 'fail')).toThrow(
      /"weekly-report\/prod" is declared for the prefect tier, which is not available \(Prefect at http:\/\/prefect:4200\/api is unreachable/,
    );
  });
});
