import { jest } from '@jest/globals';
import { settleWithin, withTimeout } from '../../libs/hybrid-scheduler/src/common/settle-within.js';
import { MAX_TIMER_MS, sleep, timerAfter } from '../../libs/hybrid-scheduler/src/common/timers.js';
import { dueTicks, MAX_REPORTED_MISSES } from '../../libs/hybrid-scheduler/src/schedule/due-ticks.js';
import { Logger } from '@nestjs/common';
import { OutageLog } from '../../libs/hybrid-scheduler/src/common/outage-log.js';
import {
  redact,
  redactDeep,
  redactUrl,
  rememberSecrets,
} from '../../libs/hybrid-scheduler/src/common/redact.js';

describe('shared primitives', () => {
  afterEach(() => jest.useRealTimers());

  it('a long timer waits past the 24.8-day limit of setTimeout instead of firing after 1 ms', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const fired = jest.fn();
    timerAfter(90 * 24 * 3600_000, fired);
    jest.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(90 * 24 * 3600_000 - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('a cleared long timer never fires, even between chained steps', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const fired = jest.fn();
    const timer = timerAfter(2 * MAX_TIMER_MS, fired);
    jest.advanceTimersByTime(MAX_TIMER_MS + 5);
    timer.clear();
    jest.advanceTimersByTime(2 * MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });

  it('sleep resolves true when it ran out and false at once when aborted', async () => {
    expect(await sleep(5)).toBe(true);
    const controller = new AbortController();
    const started = Date.now();
    const cut = sleep(60_000, controller.signal);
    controller.abort();
    expect(await cut).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await sleep(60_000, controller.signal)).toBe(false);
  });

  it('settleWithin and withTimeout bound a wait', async () => {
    const never = new Promise(() => undefined);
    expect(await settleWithin([never], 10)).toBe(false);
    expect(await settleWithin([Promise.reject(new Error('x')), Promise.resolve(1)], 1000)).toBe(true);
    await expect(withTimeout(never, 10, () => new Error('too slow'))).rejects.toThrow('too slow');
    expect(await withTimeout(Promise.resolve(7), 1000, () => new Error('too slow'))).toBe(7);
  });

  it('dueTicks lists the ticks of a stall, keeps the newest `limit` and names the next one', () => {
    const anchor = new Date('2026-01-01T00:00:00Z');
    const every = { kind: 'every' as const, everyMs: 1000 };
    const short = dueTicks(
      every,
      new Date('2026-01-01T00:00:01Z'),
      new Date('2026-01-01T00:00:03.500Z'),
      anchor,
    );
    expect(short.ticks.map((t) => t.toISOString())).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    expect(short.omitted).toBe(0);
    expect(short.next?.toISOString()).toBe('2026-01-01T00:00:04.000Z');

    // A week-long stall of a 1 s period: capped, newest kept, and cheap.
    const started = Date.now();
    const week = dueTicks(every, new Date('2026-01-01T00:00:01Z'), new Date('2026-01-08T00:00:00Z'), anchor);
    expect(Date.now() - started).toBeLessThan(200);
    expect(week.ticks).toHaveLength(MAX_REPORTED_MISSES);
    expect(week.omitted).toBe(7 * 86400 - MAX_REPORTED_MISSES);
    expect(week.ticks.at(-1)?.toISOString()).toBe('2026-01-08T00:00:00.000Z');
    expect(week.next?.toISOString()).toBe('2026-01-08T00:00:01.000Z');

    const cron = { kind: 'cron' as const, cron: '0 * * * *' };
    const hours = dueTicks(
      cron,
      new Date('2026-01-01T01:00:00Z'),
      new Date('2026-01-10T00:30:00Z'),
      anchor,
      5,
    );
    expect(hours.ticks.map((t) => t.toISOString())).toEqual([
      '2026-01-09T20:00:00.000Z',
      '2026-01-09T21:00:00.000Z',
      '2026-01-09T22:00:00.000Z',
      '2026-01-09T23:00:00.000Z',
      '2026-01-10T00:00:00.000Z',
    ]);
    expect(hours.omitted).toBe(9 * 24 - 5);
  });

  it('redactUrl masks userinfo also in URLs that do not parse', () => {
    for (const [given, shown] of [
      ['redis://u:pw@h:6379/0', 'redis://***@h:6379/0'],
      ['redis//u:pw@h', 'redis//***@h'],
      ['http:/u:pw@h', 'http:/***@h'],
      ['u:pw@h:6379', '***@h:6379'],
      ['amqp://u:pa/ss@h/vhost', 'amqp://***@h/vhost'],
      ['nats://h:4222', 'nats://h:4222'],
    ])
      expect(redactUrl(given)).toBe(shown);
  });

  it('redact masks URL userinfo, auth schemes, secret fields, JWTs and remembered values', () => {
    expect(redact('GET http://admin:SECRETKEY123@127.0.0.1:4298/api failed')).toBe(
      'GET http://***@127.0.0.1:4298/api failed',
    );
    expect(redact('redis://:p%40ss@h:6379/0 and amqp://user@host')).toBe(
      'redis://***@h:6379/0 and amqp://***@host',
    );
    expect(redact('Authorization: Bearer abc.def-ghi')).not.toContain('abc.def');
    expect(redact('sent Basic dXNlcjpwYXNz')).toBe('sent Basic ***');
    expect(redact('{"password":"hunter22","apiKey": "k-123456"}')).toBe('{"password":***,"apiKey": ***}');
    expect(redact('token eyJhbGciOi.eyJzdWIiOjF9.c2ln quoted')).toBe('token *** quoted');
    rememberSecrets('S3cr3t/Value', 'ab');
    expect(redact('failed with S3cr3t/Value and S3cr3t%2FValue')).toBe('failed with *** and ***');
    expect(redact('a tab')).toBe('a tab'); // too short to be remembered
    expect(redactDeep({ reason: 'at redis://u:pw12@h', n: 1, list: ['x://a:b@c'] })).toEqual({
      reason: 'at redis://***@h',
      n: 1,
      list: ['x://***@c'],
    });
  });

  it('an outage is logged once when it starts, reminded at most once per interval, and once when it ends', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      const outage = new OutageLog('Redis at 127.0.0.1:1', 'Test', 60_000);
      for (let i = 0; i < 50; i++) {
        outage.fail('producer', 'is unreachable (ECONNREFUSED)');
        outage.fail('worker a', 'is unreachable (ECONNREFUSED)');
        outage.note('queue a: connect ECONNREFUSED');
        jest.advanceTimersByTime(2_000); // 100 s in all
      }
      expect(warn.mock.calls.map((c) => c[0])).toEqual([
        'Redis at 127.0.0.1:1 is unreachable (ECONNREFUSED); retrying in the background',
        'Redis at 127.0.0.1:1 still failing after 60.0s: is unreachable (ECONNREFUSED)',
      ]);
      outage.ok('producer');
      expect(log).not.toHaveBeenCalled(); // a worker connection is still down
      outage.ok('worker a');
      expect(log.mock.calls.map((c) => c[0])).toEqual([
        'Redis at 127.0.0.1:1 answers again after 100.0s of outage',
      ]);
      expect(outage.downSince).toBeUndefined();
      outage.note('queue a: some other error');
      jest.advanceTimersByTime(1_500);
      outage.note('queue a: some other error');
      jest.advanceTimersByTime(1_500);
      expect(warn).toHaveBeenCalledTimes(3);
      // An error noted just before its connection fails belongs to that outage.
      outage.note('worker a: read ECONNRESET');
      outage.fail('producer', 'is unreachable (ECONNREFUSED)');
      jest.advanceTimersByTime(1_500);
      expect(warn).toHaveBeenCalledTimes(4);
      expect(warn.mock.calls[3][0]).toMatch(/is unreachable/);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
