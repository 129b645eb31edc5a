import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type {
  JobEvent,
  JobInfo,
  QueueProviderName,
  RoutedTask,
} from '../../libs/hybrid-scheduler/src/interfaces/index.js';
import { JobRegistry } from '../../libs/hybrid-scheduler/src/registry/job.registry.js';
import type { TaskRunner } from '../../libs/hybrid-scheduler/src/runner/task.runner.js';
import { workflowGlue } from '../../libs/hybrid-scheduler/src/tiers/queue/queue-job.processor.js';
import type { EngineWorkflow } from '../../libs/hybrid-scheduler/src/tiers/queue/queue-engine.interface.js';
import {
  MissedTicksLog,
  reportMissedTicks,
} from '../../libs/hybrid-scheduler/src/tiers/queue/missed-ticks.log.js';
import { dueTicks } from '../../libs/hybrid-scheduler/src/schedule/due-ticks.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The queue tier's glue of one workflow, with its WARN lines and job events recorded. */
function glueOf(name: string, engine: QueueProviderName) {
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const registry = new JobRegistry();
  const events: JobEvent[] = [];
  registry.events$.subscribe((event) => events.push(event));
  const glue = workflowGlue(
    { name } as RoutedTask,
    { name } as EngineWorkflow,
    { id: `queue:${name}` } as JobInfo,
    engine,
    {} as TaskRunner,
    registry,
  );
  const lines = () => warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('missed'));
  return { events: glue.events, jobEvents: events, lines };
}

/** Issue 9: a run of missed ticks (after an outage, a lost schedule) is one WARN per workflow; events stay one per tick. */
describe('missed ticks: one WARN per run, one event per tick', () => {
  afterEach(() => jest.restoreAllMocks());

  it('the queue tier glue logs 100 missed ticks of a workflow as one line with count, first and last due time', async () => {
    const { events: engineEvents, jobEvents: events, lines: warned } = glueOf('report', 'bullmq');
    const first = Date.parse('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 100; i++)
      engineEvents.missed('report', new Date(first + i * 60_000), 'no worker ran when the tick was due');
    expect(events.filter((e) => e.type === 'missed')).toHaveLength(100);
    await sleep(1_200);
    expect(warned()).toEqual([
      'Workflow "report" missed 100 ticks, due from 2026-01-01T00:00:00.000Z to 2026-01-01T01:39:00.000Z: no worker ran when the tick was due',
    ]);
  });

  it('a single missed tick keeps its own line; a steady stream is one line per window; reasons are not mixed', async () => {
    const lines: string[] = [];
    const log = new MissedTicksLog('wf', { warn: (m: string) => lines.push(m) }, 100);
    log.note(new Date('2026-01-01T00:00:00.000Z'), 'workflow is paused');
    await sleep(150);
    expect(lines).toEqual(['Workflow "wf" missed its tick of 2026-01-01T00:00:00.000Z: workflow is paused']);
    lines.length = 0;
    for (let i = 0; i < 8; i++) {
      log.note(new Date(Date.UTC(2026, 0, 1, 0, i)), 'workflow is paused');
      await sleep(30);
    }
    log.note(new Date(Date.UTC(2026, 0, 1, 1)), 'lost schedule');
    log.flush();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.filter((l) => l.includes('lost schedule'))).toHaveLength(1);
  });

  it('a gap longer than 100 ticks: the newest 100 are events, the line counts the older ones too', async () => {
    const { events: engineEvents, jobEvents: events, lines: warned } = glueOf('tick', 'rabbitmq');
    // every 2 s, nothing ran for 790 s: 395 ticks due
    const first = new Date('2026-01-01T00:00:02.000Z');
    const due = dueTicks({ kind: 'every', everyMs: 2000 }, first, new Date(first.getTime() + 788_000), first);
    reportMissedTicks(engineEvents, 'tick', due, 'no replica was ticking');
    expect(events.filter((e) => e.type === 'missed')).toHaveLength(100);
    await sleep(1_200);
    expect(warned()).toEqual([
      'Workflow "tick" missed 100 ticks, due from 2026-01-01T00:09:52.000Z to 2026-01-01T00:13:10.000Z: no replica was ticking; and 295 earlier ticks, not reported one by one',
    ]);
  });
});
