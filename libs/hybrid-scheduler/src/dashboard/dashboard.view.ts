import { Inject, Injectable } from '@nestjs/common';
import { HybridScheduler } from '../hybrid-scheduler.service.js';
import { HybridSchedulerHealthIndicator } from '../health/hybrid-scheduler.health.js';
import type { DeadLetter, JobInfo, TierName } from '../interfaces/index.js';
import { redactDeep } from '../common/redact.js';
import { DASHBOARD_OPTIONS } from './dashboard.constants.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import { flowRunUrl, prefectUiBase } from './prefect-ui.js';
import { RunHistory, type DashboardRun } from './run-history.js';
import { scheduleInWords } from './schedule-words.js';
import { isAdoptedJob } from '../adopt/adopted-job.source.js';

const TIERS: TierName[] = ['internal', 'queue', 'prefect'];
const MAX_DEAD_LETTERS = 100;
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

  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly health: HybridSchedulerHealthIndicator,
    private readonly history: RunHistory,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {}

  async overview(): Promise<{ jobs: DashboardJob[]; health: DashboardTierHealth[]; generatedAt: string }> {
    const [jobs, health] = await Promise.all([this.scheduler.listJobs(), this.tierHealth()]);
    const ui = this.prefectUi(health);
    return redactDeep({
      jobs: jobs.map((job) => this.row(job, ui, health)),
      health,
      generatedAt: new Date().toISOString(),
    });
  }

  async job(
    id: string,
  ): Promise<{ job: DashboardJob; runs: DashboardRun[]; deadLetters: DeadLetter[] | null }> {
    const [info, health] = await Promise.all([this.scheduler.getJob(id), this.tierHealth()]);
    const deadLetters =
      info.tier === 'queue' && !isAdoptedJob(info)
        ? (await this.scheduler.deadLetters(info.name)).slice(0, MAX_DEAD_LETTERS)
        : null;
    return redactDeep({
      job: this.row(info, this.prefectUi(health), health),
      runs: this.history.of(id),
      deadLetters,
    });
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
