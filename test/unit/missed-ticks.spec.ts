import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { JobEvent, JobInfo, RoutedTask } from '../../libs/hybrid-scheduler/src/interfaces/index.js';
import { JobRegistry } from '../../libs/hybrid-scheduler/src/registry/job.registry.js';
import type { TaskRunner } from '../../libs/hybrid-scheduler/src/runner/task.runner.js';
import { workflowGlue } from '../../libs/hybrid-scheduler/src/tiers/queue/queue-job.processor.js';
import type { EngineWorkflow } from '../../libs/hybrid-scheduler/src/tiers/queue/queue-engine.interface.js';
import { MissedTicksLog } from '../../libs/hybrid-scheduler/src/tiers/queue/missed-ticks.log.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Issue 9: a run of missed ticks (after an outage, a lost schedule) is one WARN per workflow; events stay one per tick. */
describe('missed ticks: one WARN per run, one event per tick', () => {
  afterEach(() => jest.restoreAllMocks());

  it('the queue tier glue logs 100 missed ticks of a workflow as one line with count, first and last due time', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const registry = new JobRegistry();
    const events: JobEvent[] = [];
    registry.events$.subscribe((event) => events.push(event));
    const glue = workflowGlue(
      { name: 'report' } as RoutedTask,
      { name: 'report' } as EngineWorkflow,
      { id: 'queue:report' } as JobInfo,
      'bullmq',
      {} as TaskRunner,
      registry,
    );
    const first = Date.parse('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < 100; i++)
      glue.events.missed('report', new Date(first + i * 60_000), 'no worker ran when the tick was due');
    expect(events.filter((e) => e.type === 'missed')).toHaveLength(100);
    await sleep(1_200);
    const lines = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('missed'));
    expect(lines).toEqual([
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
});
