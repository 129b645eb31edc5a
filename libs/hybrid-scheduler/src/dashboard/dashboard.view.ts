import { Inject, Injectable, Optional } from '@nestjs/common';
import { HybridScheduler } from '../hybrid-scheduler.service.js';
import { HybridSchedulerHealthIndicator } from '../health/hybrid-scheduler.health.js';
import type { DeadLetter, JobInfo, RecentRuns, TierName } from '../interfaces/index.js';
import { redactDeep, redactedMessage } from '../common/redact.js';
import { withTimeout } from '../common/settle-within.js';
import { CachedRead } from '../observability/cached-read.js';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import { DASHBOARD_OPTIONS } from './dashboard.constants.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import { flowRunUrl, prefectUiBase } from './prefect-ui.js';
import { RunHistory, type DashboardRun, type RunSummary } from './run-history.js';
import { mergeRuns, type EngineHistoryNote } from './engine-runs.js';
import { scheduleInWords } from './schedule-words.js';
import { isAdoptedJob, jobControls, type JobControl } from '../adopt/adopted-job.source.js';

const TIERS: TierName[] = ['internal', 'queue', 'prefect'];
const MAX_DEAD_LETTERS = 100;
/** Runs asked of the engine per panel load (BullMQ: this many completed and failed jobs; Prefect: flow runs). */
const ENGINE_RUNS = 50;
/** A panel load does not wait longer for the engine's history; the page says it was not read. */
const ENGINE_RUNS_TIMEOUT_MS = 3_000;
/**
 * Panel loads of one job within this long share one read of the engine's history: an open panel reloads on
 * every job event (at most every 200 ms), and a BullMQ read is two range reads of up to 50 jobs each.
 */
const ENGINE_RUNS_CACHE_MS = 2_000;
const QUEUE_COUNTS = ['waiting', 'active', 'delayed', 'failed', 'dead'] as const;
type QueueCounts = Partial<Record<(typeof QUEUE_COUNTS)[number], number>>;

export interface DashboardTierHealth {
  tier: TierName;
  status: string;
  details: Record<string, unknown>;
}

export interface DashboardJob {
  id: string;
  tier: TierName;
  declaredTier: TierName;
  name: string;
  schedule: string;
  scheduleText: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastError: string | null;
  lastDurationMs: number | null;
  runs: number;
  failures: number;
  paused: boolean;
  running: number;
  source: string;
  /** Durations and lateness over the runs this page holds; set when the app has `metrics` enabled. */
  metrics: RunSummary | null;
  /** The actions the facade takes for this job (a job adopted read-only from @nestjs/bullmq has none). */
  controls: JobControl[];
  /** Set when the job runs on another tier than it was declared for, or a queue workflow runs in-process. */
  fallback: { reason: string; since: string } | null;
  queue: { provider: string | null; counts: QueueCounts } | null;
  prefect: {
    lastState: string | null;
    lastFlowRunUrl: string | null;
    nextRuns: Array<{ at: string | null; url: string | null }>;
  } | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const field = (value: unknown, key: string): unknown =>
  value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;

/** What the page shows, built only from the public facade, the health indicator and the run history. */
@Injectable()
export class DashboardView {
  private readonly bootedAt = new Date().toISOString();
  /** One per job id the panel was opened for (ids of existing jobs: `job()` checks first). */
  private readonly engineReads = new Map<string, CachedRead<RecentRuns>>();

  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly health: HybridSchedulerHealthIndicator,
    private readonly history: RunHistory,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
    @Optional() @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly core?: ResolvedModuleOptions,
  ) {}

  /** The Prometheus metric prefix when the app has metrics enabled, else null (the page shows no summary). */
  private get metricsPrefix(): string | null {
    return this.core?.metrics?.enabled ? this.core.metrics.prefix : null;
  }

  async overview(): Promise<{ jobs: DashboardJob[]; health: DashboardTierHealth[]; generatedAt: string }> {
    const [jobs, health] = await Promise.all([this.scheduler.listJobs(), this.tierHealth()]);
    const ui = this.prefectUi(health);
    return redactDeep({
      jobs: jobs.map((job) => this.row(job, ui, health)),
      health,
      generatedAt: new Date().toISOString(),
    });
  }

  async job(id: string): Promise<{
    job: DashboardJob;
    runs: DashboardRun[];
    engineHistory: EngineHistoryNote;
    deadLetters: DeadLetter[] | null;
    metricsPrefix: string | null;
  }> {
    const [info, health] = await Promise.all([this.scheduler.getJob(id), this.tierHealth()]);
    const [deadLetters, engine] = await Promise.all([
      info.tier === 'queue' && !isAdoptedJob(info)
        ? this.scheduler.deadLetters(info.name).then((letters) => letters.slice(0, MAX_DEAD_LETTERS))
        : null,
      this.engineRuns(id),
    ]);
    const history = 'error' in engine ? null : engine;
    return redactDeep({
      job: this.row(info, this.prefectUi(health), health),
      runs: mergeRuns(this.history.of(id), history, this.options.historySize),
      engineHistory: {
        keptBy: history?.keptBy ?? null,
        runs: history?.runs.length ?? 0,
        notKept: history?.notKept ?? null,
        error: 'error' in engine ? engine.error : null,
      },
      deadLetters,
      metricsPrefix: this.metricsPrefix,
    });
  }

  /** What the engine keeps of the job's runs; a failure or a slow engine leaves the panel with this process's. */
  private async engineRuns(id: string): Promise<RecentRuns | { error: string }> {
    const limit = Math.min(ENGINE_RUNS, this.options.historySize);
    let read = this.engineReads.get(id);
    if (!read) {
      read = new CachedRead(ENGINE_RUNS_CACHE_MS, () =>
        withTimeout(
          this.scheduler.recentRuns(id, { limit }),
          ENGINE_RUNS_TIMEOUT_MS,
          () => new Error(`no answer within ${ENGINE_RUNS_TIMEOUT_MS}ms`),
        ),
      );
      this.engineReads.set(id, read);
    }
    try {
      return await read.get();
    } catch (error) {
      return { error: redactedMessage(error) };
    }
  }

  private async tierHealth(): Promise<DashboardTierHealth[]> {
    return Promise.all(
      TIERS.map(async (tier) => {
        const result = Object.values(await this.health.isHealthy(tier))[0] ?? { status: 'unknown' };
        const { status, ...details } = result;
        return { tier, status: details.configured === false ? 'not configured' : String(status), details };
      }),
    );
  }

  private prefectUi(health: DashboardTierHealth[]): string | null {
    if (this.options.prefectUiUrl) return this.options.prefectUiUrl;
    const apiUrl = text(health.find((h) => h.tier === 'prefect')?.details.apiUrl);
    return apiUrl ? prefectUiBase(apiUrl) : null;
  }

  /** Why the declared tier is not used, in the words of its health (`prefect tier not configured`, a probe error). */
  private unavailable(tier: TierName, health: DashboardTierHealth[]): string {
    const declared = health.find((h) => h.tier === tier);
    const said = text(declared?.details.reason) ?? text(declared?.details.message);
    return said ?? `${tier} tier ${declared?.status ?? 'unavailable'}`;
  }

  private row(job: JobInfo, prefectUi: string | null, health: DashboardTierHealth[]): DashboardJob {
    const details = job.details ?? {};
    const inProcess = text(details.inProcess);
    const fallbackReason =
      job.tier !== job.declaredTier ? this.unavailable(job.declaredTier, health) : inProcess;
    const counts: QueueCounts = {};
    for (const key of QUEUE_COUNTS) if (typeof details[key] === 'number') counts[key] = details[key];
    const link = (runId: unknown) =>
      prefectUi && typeof runId === 'string' ? flowRunUrl(prefectUi, runId) : null;
    const nextRuns: unknown[] = Array.isArray(details.nextRuns) ? details.nextRuns : [];
    return {
      id: job.id,
      tier: job.tier,
      declaredTier: job.declaredTier,
      name: job.name,
      schedule: job.schedule,
      scheduleText: scheduleInWords(job.schedule),
      nextRunAt: iso(job.nextRunAt),
      lastRunAt: iso(job.lastRunAt),
      lastStatus: job.lastStatus,
      lastError: job.lastError,
      lastDurationMs: this.history.latestFinished(job.id)?.durationMs ?? null,
      runs: job.runs,
      failures: job.failures,
      paused: job.paused,
      running: job.running,
      source: job.source,
      metrics: this.metricsPrefix === null ? null : this.history.summary(job.id),
      controls: jobControls(job),
      fallback: fallbackReason ? { reason: fallbackReason, since: this.bootedAt } : null,
      queue: job.tier === 'queue' ? { provider: text(details.provider), counts } : null,
      prefect:
        job.tier === 'prefect'
          ? {
              lastState: text(details.lastState),
              lastFlowRunUrl: link(details.lastFlowRunId),
              nextRuns: nextRuns.map((run) => ({ at: text(field(run, 'at')), url: link(field(run, 'id')) })),
            }
          : null,
    };
  }
}
