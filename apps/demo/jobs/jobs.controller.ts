import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { HybridScheduler, type JobInfo, type TriggerResult } from 'nestjs-hybrid-scheduler';
import { MetricsCollector, type MetricsSnapshot } from '../maintenance/metrics.collector.js';

/** Ids contain a colon (`internal:health-check`) and Prefect ids a slash: URL-encode them. */
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly metrics: MetricsCollector,
  ) {}

  @Get()
  list(): Promise<JobInfo[]> {
    return this.scheduler.listJobs();
  }

  @Get('metrics')
  latestMetrics(): MetricsSnapshot | { message: string } {
    return this.metrics.latest ?? { message: 'no sample yet: the metrics job runs every minute' };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<JobInfo> {
    return this.scheduler.getJob(id);
  }

  @Post(':id/trigger')
  @HttpCode(200)
  trigger(@Param('id') id: string): Promise<TriggerResult> {
    return this.scheduler.trigger(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id') id: string): Promise<JobInfo> {
    await this.scheduler.pause(id);
    return this.scheduler.getJob(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string): Promise<JobInfo> {
    await this.scheduler.resume(id);
    return this.scheduler.getJob(id);
  }
}
