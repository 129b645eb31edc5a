import { TierUnavailableError, type TaskDefinition } from 'nestjs-hybrid-scheduler';
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
    expect(routed.fallbackTask).toBeUndefined();
    expect(
      router.route(
        task({ schedule: { kind: 'every', everyMs: 60_000 } }),
        { prefect: down, internal: up },
        'degrade',
      ).tier,
    ).toBe('internal');
  });

  it('keeps an rrule task on demand on the fallback tier instead of refusing to boot', () => {
    const routed = router.route(task({}), { prefect: down, queue: up, internal: up }, 'degrade');
    expect(routed.tier).toBe('queue');
    expect(routed.fallbackTask?.schedule).toEqual({ kind: 'none' });
    expect(routed.task.schedule.kind).toBe('rrule'); // what moves back to Prefect once it answers
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
