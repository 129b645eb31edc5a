import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { QueuedWorkflow, type WorkflowContext } from 'nestjs-hybrid-scheduler';
import { BackupRequest, ReportExportRequest, TRANSIENT } from './workflow.dto.js';

/** Durable work: it must survive restarts, may run on any replica, retries and dead-letters. */
@Injectable()
export class DataWorkflows {
  /** The original design's nightly backup: persistent and distributed, so the classifier agrees on `queue`. */
  @QueuedWorkflow({
    name: 'database-backup',
    cron: '0 3 * * *',
    attempts: 5,
    backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 60_000 },
    payload: BackupRequest,
    schedulePayload: { databases: ['main'] },
    characteristics: { durability: 'persistent', infrastructure: 'distributed' },
  })
  async backup(payload: BackupRequest, ctx: WorkflowContext): Promise<{ checksum: string }> {
    const checksum = createHash('sha256')
      .update(`${payload.databases.join(',')}@${ctx.scheduledAt.toISOString()}`)
      .digest('hex');
    ctx.logger.log(
      `Backed up ${payload.databases.join(', ')} (attempt ${ctx.attempt}/${ctx.maxAttempts}), checksum ${checksum.slice(0, 12)}`,
    );
    return { checksum };
  }

  /** On demand: POST /workflows/report-export { "report": "sales", "format": "csv" }. */
  @QueuedWorkflow({
    name: 'report-export',
    attempts: 3,
    backoff: { type: 'fixed', delayMs: 500 },
    payload: ReportExportRequest,
  })
  async exportReport(payload: ReportExportRequest, ctx: WorkflowContext): Promise<void> {
    if (payload.simulateOutage)
      throw new Error(`${TRANSIENT} report store unavailable (attempt ${ctx.attempt})`);
    ctx.logger.log(`Exported report "${payload.report}" as ${payload.format}`);
  }
}
