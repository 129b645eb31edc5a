import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { JobInfo } from 'nestjs-hybrid-scheduler';

export interface MetricsSnapshot {
  at: string;
  rssMb: number;
  heapUsedMb: number;
  eventLoopDelayP99Ms: number;
  jobs: { total: number; running: number; failing: number; byTier: Record<string, number> };
}

/** Process memory, event-loop delay and job counts, sampled by the metrics job and served at GET /jobs/metrics. */
@Injectable()
export class MetricsCollector implements OnModuleDestroy {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  latest: MetricsSnapshot | null = null;

  constructor() {
    this.loopDelay.enable();
  }

  sample(jobs: JobInfo[]): MetricsSnapshot {
    const memory = process.memoryUsage();
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    const byTier: Record<string, number> = {};
    for (const job of jobs) byTier[job.tier] = (byTier[job.tier] ?? 0) + 1;
    this.latest = {
      at: new Date().toISOString(),
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      eventLoopDelayP99Ms: Math.round(this.loopDelay.percentile(99) / 1e5) / 10,
      jobs: {
        total: jobs.length,
        running: jobs.reduce((sum, job) => sum + job.running, 0),
        failing: jobs.filter((job) => job.lastStatus === 'failed').length,
        byTier,
      },
    };
    this.loopDelay.reset();
    return this.latest;
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }
}
