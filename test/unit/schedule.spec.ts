import { nextCronDate } from '../../libs/hybrid-scheduler/src/schedule/cron.js';
import { inferFrequency, nextDue } from '../../libs/hybrid-scheduler/src/schedule/schedule.calculator.js';

describe('schedule math', () => {
  it('computes cron dates in the task time zone', () => {
    // 03:00 in Berlin is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST).
    expect(nextCronDate('0 3 * * *', new Date('2026-11-23T12:00:00Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-11-24T02:00:00.000Z',
    );
    expect(nextCronDate('0 3 * * *', new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-07-02T01:00:00.000Z',
    );
    expect(nextCronDate('0 3 * * *', new Date('2026-07-01T12:00:00Z')).toISOString()).toBe(
      '2026-07-02T03:00:00.000Z',
    );
  });

  it('keeps `every` ticks on the grid of its anchor', () => {
    const anchor = new Date('2026-01-01T00:00:00.000Z');
    const schedule = { kind: 'every' as const, everyMs: 30_000 };
    expect(nextDue(schedule, new Date('2026-01-01T00:00:29.999Z'), anchor)?.toISOString()).toBe(
      '2026-01-01T00:00:30.000Z',
    );
    expect(nextDue(schedule, new Date('2026-01-01T00:00:30.000Z'), anchor)?.toISOString()).toBe(
      '2026-01-01T00:01:00.000Z',
    );
    expect(nextDue(schedule, new Date('2026-01-01T00:10:07.000Z'), anchor)?.toISOString()).toBe(
      '2026-01-01T00:10:30.000Z',
    );
  });

  it('infers frequency from the schedule', () => {
    expect(inferFrequency({ kind: 'every', everyMs: 30_000 })).toBe('high');
    expect(inferFrequency({ kind: 'cron', cron: '* * * * *' })).toBe('medium');
    expect(inferFrequency({ kind: 'cron', cron: '*/5 * * * *' })).toBe('medium');
    expect(inferFrequency({ kind: 'cron', cron: '0 * * * *' })).toBe('medium');
    expect(inferFrequency({ kind: 'cron', cron: '0 3 * * *' })).toBe('low');
    expect(inferFrequency({ kind: 'cron', cron: '*/10 * * * * *' })).toBe('high');
    expect(inferFrequency({ kind: 'none' })).toBe('low');
  });
});
