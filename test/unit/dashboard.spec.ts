import { isLoopbackAddress } from '../../libs/hybrid-scheduler/src/dashboard/client-address.js';
import { resolveDashboardOptions } from '../../libs/hybrid-scheduler/src/dashboard/dashboard.options.js';
import { prefectUiBase } from '../../libs/hybrid-scheduler/src/dashboard/prefect-ui.js';
import { RunHistory } from '../../libs/hybrid-scheduler/src/dashboard/run-history.js';
import { mergeRuns } from '../../libs/hybrid-scheduler/src/dashboard/engine-runs.js';
import { scheduleInWords } from '../../libs/hybrid-scheduler/src/dashboard/schedule-words.js';
import type { JobEvent, RecentRun } from 'nestjs-hybrid-scheduler';
import { InvalidArgumentError } from '../../libs/hybrid-scheduler/src/errors/index.js';

describe('dashboard pieces', () => {
  it('treats only 127.0.0.0/8 and ::1 (also IPv4-mapped) as loopback', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
      expect([address, isLoopbackAddress(address)]).toEqual([address, true]);
    for (const address of [
      '10.0.0.2',
      '::ffff:10.0.0.2',
      '192.168.1.1',
      'fe80::1',
      '::',
      '0.0.0.0',
      '',
      undefined,
      '128.0.0.1',
    ])
      expect([address, isLoopbackAddress(address)]).toEqual([address, false]);
  });

  it('says schedules in words', () => {
    expect(scheduleInWords('cron 0 3 * * * (Europe/Berlin)')).toBe('at 03:00, Europe/Berlin');
    expect(scheduleInWords('cron 0 * * * * (UTC)')).toBe('every hour, on the hour, UTC');
    expect(scheduleInWords('cron */5 * * * * (UTC)')).toBe('every 5 minutes, UTC');
    expect(scheduleInWords('cron 30 8 * * 1-5 (UTC)')).toBe('at 08:30 on weekdays, UTC');
    expect(scheduleInWords('cron 0 3 1,15 * * (UTC)')).toBe('cron 0 3 1,15 * *, UTC');
    expect(scheduleInWords('every 30s')).toBe('every 30s');
  });

  it('derives the Prefect UI from the API URL, without credentials', () => {
    expect(prefectUiBase('http://127.0.0.1:4200/api')).toBe('http://127.0.0.1:4200');
    expect(prefectUiBase('https://user:pw@prefect.internal/api/')).toBe('https://prefect.internal');
    expect(prefectUiBase('https://api.prefect.cloud/api/accounts/a1/workspaces/w2')).toBe(
      'https://app.prefect.cloud/account/a1/workspace/w2',
    );
  });

  it('keeps at most historySize runs per job and pairs outcomes with their start', () => {
    const history = new RunHistory(3);
    const at = new Date('2026-01-01T00:00:10Z');
    const event = (e: Partial<JobEvent>): JobEvent => ({
      jobId: 'internal:a',
      tier: 'internal',
      name: 'a',
      at,
      type: 'started',
      ...e,
    });
    for (let i = 0; i < 5; i++) {
      history.record(event({ runId: `r${i}`, attempt: 1, scheduledAt: new Date('2026-01-01T00:00:09Z') }));
      history.record(
        event({
          type: i === 4 ? 'failed' : 'succeeded',
          runId: `r${i}`,
          attempt: 1,
          durationMs: i,
          error: i === 4 ? new Error('boom') : undefined,
        }),
      );
    }
    const runs = history.of('internal:a');
    expect(runs.map((r) => [r.runId, r.status, r.durationMs, r.latenessMs])).toEqual([
      ['r4', 'failed', 4, 1000],
      ['r3', 'succeeded', 3, 1000],
      ['r2', 'succeeded', 2, 1000],
    ]);
    expect(runs[0].error).toBe('boom');
    history.record(event({ type: 'retrying', runId: 'r4', attempt: 1, reason: 'retrying in 5ms' }));
    expect(history.of('internal:a')[0]).toMatchObject({ runId: 'r4', status: 'retrying', error: 'boom' });
  });

  it('sums up the history as the metrics count it: failed attempts, p50/p95 duration, p95 lateness', () => {
    const history = new RunHistory(100);
    const due = new Date('2026-01-01T00:00:00Z');
    for (let i = 1; i <= 20; i++) {
      const base = { jobId: 'queue:w', tier: 'queue' as const, name: 'w', runId: `r${i}`, attempt: 1 };
      history.record({ ...base, type: 'started', scheduledAt: due, at: new Date(due.getTime() + i * 10) });
      const failed = i % 5 === 0;
      history.record({ ...base, type: failed ? 'failed' : 'succeeded', durationMs: i * 100, at: due });
      if (failed) history.record({ ...base, type: 'retrying', at: due, reason: 'again' });
    }
    expect(history.summary('queue:w')).toEqual({
      finished: 20,
      failed: 4,
      p50DurationMs: 1000,
      p95DurationMs: 1900,
      p95LatenessMs: 190,
    });
    expect(history.summary('queue:none')).toMatchObject({ finished: 0, p95DurationMs: null });
  });

  it("merges the engine's runs into this process's: one row per run id, newest first, each marked with its source", () => {
    const history = new RunHistory(10);
    const base = { jobId: 'queue:w', tier: 'queue' as const, name: 'w', attempt: 1 };
    history.record({ ...base, type: 'started', runId: 'queue:w:1', at: new Date('2026-01-01T00:00:02Z') });
    history.record({ ...base, type: 'succeeded', runId: 'queue:w:1', durationMs: 5, at: new Date() });
    const run = (id: string, startedAt: string, extra: Partial<RecentRun> = {}): RecentRun => ({
      id,
      status: 'succeeded',
      attempts: 1,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      scheduledAt: null,
      startedAt: new Date(startedAt),
      finishedAt: new Date(startedAt),
      durationMs: 7,
      ...extra,
    });
    const merged = mergeRuns(
      history.of('queue:w'),
      {
        jobId: 'queue:w',
        keptBy: 'bullmq',
        runs: [
          run('queue:w:3', '2026-01-01T00:00:03Z', { status: 'failed', attempts: 3, error: 'boom' }),
          run('queue:w:1', '2026-01-01T00:00:02Z'),
          run('queue:w:0', '2026-01-01T00:00:01Z'),
        ],
      },
      10,
    );
    expect(merged.map((r) => [r.runId, r.from, r.status, r.latenessMs])).toEqual([
      ['queue:w:3', 'bullmq', 'failed', null], // a retry: its lateness would include the backoff
      ['queue:w:1', 'this process', 'succeeded', null],
      ['queue:w:0', 'bullmq', 'succeeded', 1000],
    ]);
    expect(merged[0]).toMatchObject({ attempt: 3, error: 'boom', scheduledAt: '2026-01-01T00:00:00.000Z' });
    expect(mergeRuns(history.of('queue:w'), null, 10)).toHaveLength(1);
    expect(
      mergeRuns(
        [],
        {
          jobId: 'queue:w',
          keptBy: 'bullmq',
          runs: [run('a', '2026-01-01T00:00:01Z'), run('b', '2026-01-01T00:00:02Z')],
        },
        1,
      ).map((r) => r.runId),
    ).toEqual(['b']);
  });

  it('checks its options and names the one that is wrong', () => {
    expect(() => resolveDashboardOptions({ path: 'scheduler' })).toThrow(InvalidArgumentError);
    expect(() => resolveDashboardOptions({ historySize: 0 })).toThrow(/historySize/);
    expect(resolveDashboardOptions({ path: '/ops/' })).toMatchObject({
      path: '/ops',
      readOnly: false,
      historySize: 50,
    });
  });
});
