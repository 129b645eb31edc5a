import { Injectable, Module } from '@nestjs/common';
import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import {
  HybridSchedulerModule,
  PrefectDeployment,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';
import { parseProm, sampleValue, type Sample } from '../../support/prom-text.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { MetricsWorkflows, metricsTestModule } from './metrics.workflows.js';

const P = 'hybrid_scheduler_';
const scrape = async (registry: { metrics(): Promise<string> }): Promise<Sample[]> =>
  parseProm(await registry.metrics());

describe.each(['memory', 'bullmq'] as const)('metrics of a real app on %s', (provider) => {
  let redis: PrivateRedis | undefined;
  let booted: BootedApp;
  let workflows: MetricsWorkflows;
  const registry = new Registry();

  beforeAll(async () => {
    const options: HybridSchedulerModuleOptions = { fallback: 'fail', metrics: { registry } };
    if (provider === 'bullmq') {
      redis = await startRedis();
      options.queue = { bullmq: { connection: redis.url, prefix: 'metrics-test' } };
    }
    booted = await bootApp(metricsTestModule(options));
    workflows = booted.app.get(MetricsWorkflows);
  });

  afterAll(async () => {
    workflows?.release();
    await booted?.close();
    await redis?.stop();
  });

  it('counts runs, durations, lateness and last success with bounded labels, and reads real engine counts', async () => {
    await booted.scheduler.enqueueWorkflow('ok', {});
    await booted.scheduler.enqueueWorkflow('ok', {});
    await booted.scheduler.enqueueWorkflow('boom', {});
    for (let i = 0; i < 3; i++) await booted.scheduler.enqueueWorkflow('held', {});
    await waitFor(() => booted.eventsOf('queue:boom', 'dead-lettered').length === 1, 8000, 'the dead letter');
    await waitFor(
      () => workflows.okRuns === 2 && workflows.held === 1 && workflows.ticks >= 2,
      8000,
      'the runs',
    );
    const before = Date.now() / 1000;

    const samples = await scrape(registry);
    const q = (job: string, status: string) =>
      sampleValue(samples, `${P}runs_total`, { tier: 'queue', job, status });
    expect([q('ok', 'started'), q('ok', 'succeeded')]).toEqual([2, 2]);
    expect([
      q('boom', 'started'),
      q('boom', 'failed'),
      q('boom', 'retrying'),
      q('boom', 'dead_lettered'),
    ]).toEqual([2, 2, 1, 1]);
    expect(
      sampleValue(samples, `${P}runs_total`, { tier: 'internal', job: 'tick', status: 'succeeded' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(samples, `${P}run_duration_seconds_count`, {
        tier: 'queue',
        job: 'ok',
        status: 'succeeded',
      }),
    ).toBe(2);
    expect(
      sampleValue(samples, `${P}run_duration_seconds_count`, {
        tier: 'queue',
        job: 'boom',
        status: 'failed',
      }),
    ).toBe(2);
    expect(sampleValue(samples, `${P}run_lateness_seconds_count`, { tier: 'queue', job: 'ok' })).toBe(2);
    expect(
      sampleValue(samples, `${P}run_lateness_seconds_count`, { tier: 'internal', job: 'tick' }),
    ).toBeGreaterThanOrEqual(2);
    const lastOk = sampleValue(samples, `${P}job_last_success_timestamp_seconds`, {
      tier: 'queue',
      job: 'ok',
    });
    expect(lastOk).toBeGreaterThan(before - 30);
    expect(lastOk).toBeLessThanOrEqual(before + 1);
    expect(sampleValue(samples, `${P}job_last_success_timestamp_seconds`, { job: 'boom' })).toBeUndefined();

    // The gauges read the engine: one held job runs (concurrency 1), two wait, boom's job is dead.
    const jobs = (workflow: string, state: string) =>
      sampleValue(samples, `${P}queue_jobs`, { workflow, engine: provider, state });
    expect([
      jobs('held', 'active'),
      jobs('held', 'waiting'),
      jobs('boom', 'dead'),
      jobs('ok', 'waiting'),
    ]).toEqual([1, 2, 1, 0]);
    expect(sampleValue(samples, `${P}runs_in_progress`, { tier: 'queue', job: 'held' })).toBe(1);
    expect(sampleValue(samples, `${P}runs_in_progress`, { tier: 'queue', job: 'ok' })).toBe(0);
    expect(sampleValue(samples, `${P}tier_status`, { tier: 'queue' })).toBe(1);
    expect(sampleValue(samples, `${P}tier_status`, { tier: 'internal' })).toBe(1);
    expect(sampleValue(samples, `${P}health_checks_total`, { tier: 'queue', status: 'up' })).toBe(1);
    expect(sampleValue(samples, `${P}health_check_duration_seconds_count`, { tier: 'queue' })).toBe(1);

    // Labels stay bounded: no run ids, job keys or payloads anywhere.
    const labelNames = new Set(samples.flatMap((s) => (s.name.startsWith(P) ? Object.keys(s.labels) : [])));
    expect([...labelNames].sort()).toEqual(
      ['declared_tier', 'engine', 'job', 'le', 'running_tier', 'state', 'status', 'tier', 'workflow'].filter(
        (l) => labelNames.has(l),
      ),
    );
    const text = await registry.metrics();
    for (const jobKey of booted.events.map((e) => e.runId).filter(Boolean))
      expect(text).not.toContain(String(jobKey));
  });
});

describe('metrics registration', () => {
  const registry = new Registry();
  const apps: BootedApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('land in prom-client’s default registry when none is given', async () => {
    const prom = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
    const app = await bootApp(metricsTestModule({ metrics: {} }));
    apps.push(app);
    await app.scheduler.enqueueWorkflow('ok', {});
    await waitFor(() => app.app.get(MetricsWorkflows).okRuns === 1, 5000, 'the ok run');
    const samples = parseProm(await prom.register.metrics());
    expect(
      sampleValue(samples, `${P}runs_total`, { tier: 'queue', job: 'ok', status: 'succeeded' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('registers nothing twice: forRoot imported twice counts a run once; two apps in one process share the metrics', async () => {
    const options = { metrics: { registry, prefix: 'twice_' } };
    @Module({ imports: [HybridSchedulerModule.forRoot(options), HybridSchedulerModule.forRoot(options)] })
    class ImportedTwice {}
    @Module({ imports: [ImportedTwice, metricsTestModule(options)] })
    class FirstApp {}
    const first = await bootApp(FirstApp);
    apps.push(first);
    const second = await bootApp(metricsTestModule(options));
    apps.push(second);

    await first.scheduler.enqueueWorkflow('ok', {});
    await second.scheduler.enqueueWorkflow('ok', {});
    await second.scheduler.enqueueWorkflow('ok', {});
    await waitFor(
      () => first.app.get(MetricsWorkflows).okRuns === 1 && second.app.get(MetricsWorkflows).okRuns === 2,
      5000,
      'the ok runs',
    );
    const text = await registry.metrics();
    expect(text.match(/^# HELP twice_runs_total /gm)).toHaveLength(1);
    expect(text.match(/^# HELP twice_queue_jobs /gm)).toHaveLength(1);
    const samples = parseProm(text);
    expect(sampleValue(samples, 'twice_runs_total', { tier: 'queue', job: 'ok', status: 'succeeded' })).toBe(
      3,
    );
    expect(sampleValue(samples, 'twice_runs_total', { tier: 'queue', job: 'ok', status: 'started' })).toBe(3);
  });

  it('counts tasks running on another tier than they declare', async () => {
    @Injectable()
    class Reports {
      @PrefectDeployment({ flow: 'report', name: 'prod' })
      report() {}
    }
    const own = new Registry();
    @Module({
      imports: [HybridSchedulerModule.forRoot({ metrics: { registry: own } })],
      providers: [Reports],
    })
    class NoPrefect {}
    const app = await bootApp(NoPrefect);
    apps.push(app);
    const [job] = await app.scheduler.listJobs();
    const samples = await scrape(own);
    expect(job.declaredTier).toBe('prefect');
    expect(
      sampleValue(samples, `${P}tasks_on_fallback`, { declared_tier: 'prefect', running_tier: job.tier }),
    ).toBe(1);
    expect(sampleValue(samples, `${P}tier_status`, { tier: 'prefect' })).toBeUndefined();
  });

  it('refuses a registry that is not one, naming the option', async () => {
    await expect(bootApp(metricsTestModule({ metrics: { registry: {} as Registry } }))).rejects.toThrow(
      /metrics\.registry: must be a prom-client Registry/,
    );
  });
});
