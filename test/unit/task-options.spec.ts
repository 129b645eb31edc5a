import {
  InternalTask,
  InvalidTaskOptionsError,
  PrefectDeployment,
  QueuedWorkflow,
  type InternalTaskOptions,
} from 'nestjs-hybrid-scheduler';
import { IsArray, IsString } from 'class-validator';
import { parseDuration } from '../../libs/hybrid-scheduler/src/schedule/duration.js';
import { internalTaskDefinition } from '../../libs/hybrid-scheduler/src/discovery/internal-task.definition.js';
import { queuedWorkflowDefinition } from '../../libs/hybrid-scheduler/src/discovery/queued-workflow.definition.js';
import { checkEnqueueOptions } from '../../libs/hybrid-scheduler/src/tiers/queue/enqueue-options.check.js';
import { prefectDeploymentDefinition } from '../../libs/hybrid-scheduler/src/discovery/prefect-deployment.definition.js';

const loc = { className: 'ReportsService', methodName: 'nightly' };
const handler = () => undefined;
const internal = (options: object) => internalTaskDefinition(options as InternalTaskOptions, loc, handler);

const expectError = (fn: () => unknown, ...fragments: RegExp[]) => {
  let error: unknown;
  try {
    fn();
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(InvalidTaskOptionsError);
  for (const fragment of fragments) expect((error as Error).message).toMatch(fragment);
};

describe('@InternalTask options', () => {
  it('parses every, cron and at', () => {
    expect(internal({ every: '30s' }).schedule).toEqual({ kind: 'every', everyMs: 30_000 });
    expect(internal({ every: 1500 }).schedule).toEqual({ kind: 'every', everyMs: 1500 });
    expect(internal({ cron: '0 3 * * *', timeZone: 'Europe/Berlin' }).schedule).toEqual({
      kind: 'cron',
      cron: '0 3 * * *',
      timeZone: 'Europe/Berlin',
    });
    expect(internal({ cron: '*/5 * * * * *' }).schedule.kind).toBe('cron');
    expect(internal({ at: '2030-01-01T00:00:00Z' }).schedule).toEqual({
      kind: 'at',
      at: new Date('2030-01-01T00:00:00Z'),
    });
  });

  it('defaults the name to Class.method', () => {
    expect(internal({ every: 1000 }).name).toBe('ReportsService.nightly');
  });

  it('rejects an invalid cron naming class, method, option and value', () => {
    expectError(
      () => internal({ cron: '61 * * * *' }),
      /@InternalTask on ReportsService\.nightly\(\)/,
      /"cron"/,
      /"61 \* \* \* \*"/,
    );
    expectError(() => internal({ cron: '* * *' }), /expected 5 fields .* got 3/);
  });

  it.each([[0], [-5], ['fast'], ['10 parsecs'], [Number.NaN]])('rejects every = %p', (every) => {
    expectError(() => internal({ every }), /"every"/);
  });

  it('wants exactly one of every, cron, at', () => {
    expectError(() => internal({}), /exactly one of "every", "cron", "at"; none was given/);
    expectError(() => internal({ every: 1000, cron: '* * * * *' }), /got "every" and "cron"/);
  });

  it('rejects an unknown time zone', () => {
    expectError(
      () => internal({ cron: '0 3 * * *', timeZone: 'Europe/Atlantis' }),
      /"timeZone"/,
      /Europe\/Atlantis/,
    );
  });

  it('rejects unknown options and bad values', () => {
    expectError(() => internal({ every: 1000, crom: '* * * * *' }), /"crom"/, /unknown option/);
    expectError(() => internal({ every: 1000, overlap: 'queue' }), /"overlap"/, /'skip', 'allow'/);
    expectError(() => internal({ every: 1000, timeoutMs: 0 }), /"timeoutMs"/);
    expectError(() => internal({ at: 'next tuesday' }), /"at"/);
    expectError(() => internal({ every: 1000, name: 'has spaces' }), /"name"/);
    expectError(
      () => internal({ every: 1000, characteristics: { frequency: 'often' } }),
      /characteristics\.frequency/,
    );
  });
});

describe('values in option messages', () => {
  it('shows NaN and Infinity as written, strings quoted, long ones cut with their length', () => {
    expectError(() => internal({ every: Number.NaN }), /option "every" = NaN is invalid/);
    expectError(() => internal({ every: Number.POSITIVE_INFINITY }), /option "every" = Infinity is invalid/);
    expect(() => checkEnqueueOptions('w', { delayMs: '5' as unknown as number })).toThrow(
      /option "delayMs" = "5" is invalid/,
    );
    const key = 'k'.repeat(5000);
    let message = '';
    try {
      checkEnqueueOptions('w', { idempotencyKey: key });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/option "idempotencyKey" = "k+"… \(5000 characters\) is invalid/);
    expect(message.length).toBeLessThan(400);
  });
});

describe('@QueuedWorkflow and @PrefectDeployment options', () => {
  it('checks the schedule payload at boot: JSON, and the payload DTO (ticks reach the handler unchecked)', () => {
    class Backup {
      @IsArray()
      @IsString({ each: true })
      databases!: string[];
    }
    expectError(
      () =>
        queuedWorkflowDefinition(
          { every: 1000, payload: Backup, schedulePayload: { databases: 'main' } },
          loc,
          handler,
        ),
      /@QueuedWorkflow on ReportsService\.nightly\(\)/,
      /"schedulePayload"/,
      /payload DTO Backup: databases: databases must be an array/,
    );
    // Recurring without one: every tick sends {}, which this DTO refuses.
    expectError(
      () => queuedWorkflowDefinition({ cron: '0 3 * * *', payload: Backup }, loc, handler),
      /"schedulePayload"/,
      /sends \{\} on each tick/,
    );
    expectError(
      () => queuedWorkflowDefinition({ schedulePayload: { databases: ['a'], f: () => 1 } }, loc, handler),
      /schedulePayload\.f is a function/,
    );
    expectError(
      () => queuedWorkflowDefinition({ schedulePayload: { a: 1n } }, loc, handler),
      /schedulePayload\.a is a BigInt/,
    );
    expectError(
      () => queuedWorkflowDefinition({ schedulePayload: [] as never }, loc, handler),
      /plain object/,
    );
    // Valid, and an on-demand workflow without one (trigger() names what is missing when called).
    const ok = { every: 1000, payload: Backup, schedulePayload: { databases: ['main'] } };
    expect(queuedWorkflowDefinition(ok, loc, handler).queue?.schedulePayload).toEqual({
      databases: ['main'],
    });
    expect(queuedWorkflowDefinition({ payload: Backup }, loc, handler).schedule).toEqual({ kind: 'none' });
  });

  it('rejects attempts < 1 and unknown providers naming the method', () => {
    expectError(
      () => queuedWorkflowDefinition({ attempts: 0 }, loc, handler),
      /@QueuedWorkflow on ReportsService\.nightly\(\)/,
      /"attempts"/,
    );
    expectError(
      () => queuedWorkflowDefinition({ provider: 'kafka' as 'memory' }, loc, handler),
      /"provider"/,
    );
    for (const provider of ['memory', 'bullmq', 'cloud-tasks', 'rabbitmq', 'nats'] as const)
      expect(queuedWorkflowDefinition({ provider }, loc, handler).queue?.provider).toBe(provider);
    expectError(
      () => queuedWorkflowDefinition({ backoff: { type: 'linear' as 'fixed', delayMs: 10 } }, loc, handler),
      /backoff\.type/,
    );
    expectError(() => queuedWorkflowDefinition({ cron: 'every day' }, loc, handler), /"cron"/);
  });

  it('allows an on-demand workflow', () => {
    expect(queuedWorkflowDefinition({}, loc, handler).schedule).toEqual({ kind: 'none' });
  });

  it('names Prefect deployments <flow>/<name> and validates Prefect names', () => {
    expect(
      prefectDeploymentDefinition({ flow: 'daily-code-sweep', name: 'prod', cron: '0 2 * * *' }, loc, handler)
        .name,
    ).toBe('daily-code-sweep/prod');
    expect(prefectDeploymentDefinition({}, loc, handler).name).toBe('nightly/default');
    expectError(
      () => prefectDeploymentDefinition({ flow: 'a/b' }, loc, handler),
      /"flow"/,
      /without \/ % & > </,
    );
    expectError(() => prefectDeploymentDefinition({ rrule: 'every monday' }, loc, handler), /"rrule"/);
    // checked with the options, not when Prefect answers (a boot with Prefect down accepted it)
    expectError(
      () => prefectDeploymentDefinition({ cron: '*/5 * * * * *' }, loc, handler),
      /"cron"/,
      /5-field cron/,
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    [250, 250],
    ['250', 250],
  ])('%p → %p', (input, ms) => expect(parseDuration(input)).toBe(ms));
  it('returns undefined for garbage', () => expect(parseDuration('soon')).toBeUndefined());
});

describe('tier decorators on what is not an instance method', () => {
  class Reports {
    nightly(): void {}
    static weekly(): void {}
    get monthly(): () => void {
      return () => undefined;
    }
  }
  const accessor = Object.getOwnPropertyDescriptor(Reports.prototype, 'monthly')!;
  const method = Object.getOwnPropertyDescriptor(Reports.prototype, 'nightly')!;
  const decorators = [
    ['InternalTask', InternalTask({ every: '1s' })],
    ['QueuedWorkflow', QueuedWorkflow()],
    ['PrefectDeployment', PrefectDeployment()],
  ] as const;

  // A field's decorator gets no descriptor (TypeScript's and SWC's __decorate pass undefined); type-checked
  // code cannot write it, transpile-only builds can, and discovery would never see it.
  it.each(decorators)(
    '@%s on a property throws naming Class.property and the decorator',
    (name, decorator) => {
      expectError(
        () => decorator(Reports.prototype, 'cleanup', undefined as unknown as PropertyDescriptor),
        new RegExp(`^@${name} on Reports\\.cleanup cannot be used: Reports\\.cleanup is a property`),
        /cleanup\(…\) \{ … \}/,
      );
    },
  );

  it('refuses an accessor and a static method', () => {
    expectError(
      () => InternalTask({ every: '1s' })(Reports.prototype, 'monthly', accessor),
      /Reports\.monthly is a getter/,
    );
    expectError(
      () => QueuedWorkflow()(Reports, 'weekly', Object.getOwnPropertyDescriptor(Reports, 'weekly')!),
      /@QueuedWorkflow on Reports\.weekly cannot be used: Reports\.weekly is a static method/,
    );
  });

  it('still marks an instance method, also when called as a TC39 decorator (method, context)', () => {
    InternalTask({ every: '1s' })(Reports.prototype, 'nightly', method);
    expect(Reflect.getMetadata('hybrid-scheduler:internal-task', method.value)).toEqual({ every: '1s' });
    const tc39 = function weekly(): void {};
    const context = { kind: 'method', name: 'weekly', static: false } as unknown as string;
    QueuedWorkflow({ name: 'w' })(tc39, context, undefined as unknown as PropertyDescriptor);
    expect(Reflect.getMetadata('hybrid-scheduler:queued-workflow', tc39)).toEqual({ name: 'w' });
  });
});
