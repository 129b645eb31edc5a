import { Injectable } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';

export interface SweepParams {
  /** Directory to sweep, relative to the working directory. */
  root?: string;
  /** How many directory levels to descend. */
  depth?: number;
}

export interface SweepReport {
  files: number;
  lines: number;
  markers: number;
}

const MARKER = /\b(TODO|FIXME|HACK)\b/;

/**
 * The original design's daily code sweep: user-visible, so it is a Prefect deployment with a UI, history and
 * retries. Without PREFECT_API_URL it falls back down the chain (queue, else internal) and still runs nightly.
 */
@Injectable()
export class CodeSweepFlow {
  @PrefectDeployment({
    flow: 'daily-code-sweep',
    name: 'prod',
    cron: '0 2 * * *',
    timeZone: 'Europe/Berlin',
    parameters: { root: 'apps', depth: 2 },
    tags: ['sweep'],
    retries: 2,
    retryDelaySeconds: 60,
    characteristics: { visibility: 'user-facing' },
  })
  async sweep(params: SweepParams, ctx: FlowRunContext): Promise<SweepReport> {
    const report: SweepReport = { files: 0, lines: 0, markers: 0 };
    await this.walk(resolve(params.root ?? 'apps'), params.depth ?? 2, report, ctx.signal);
    ctx.logger.log(
      `Swept ${report.files} files, ${report.lines} lines, ${report.markers} TODO/FIXME/HACK markers`,
    );
    return report;
  }

  private async walk(dir: string, depth: number, report: SweepReport, signal: AbortSignal): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      signal.throwIfAborted();
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth > 0 && entry.name !== 'node_modules')
        await this.walk(path, depth - 1, report, signal);
      else if (entry.isFile() && /\.(ts|js)$/.test(entry.name)) {
        const lines = (await readFile(path, 'utf8')).split('\n');
        report.files++;
        report.lines += lines.length;
        report.markers += lines.filter((line) => MARKER.test(line)).length;
      }
    }
  }
}
