import { Injectable } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';

export interface SweepParams {
  /** The repositories to sweep: directories, relative to the working directory. */
  repos?: string[];
  /** How many directory levels to descend. */
  depth?: number;
}

export interface SweepReport {
  files: number;
  lines: number;
  markers: number;
}

export interface SweepSummary extends SweepReport {
  repos: Record<string, SweepReport>;
}

const MARKER = /\b(TODO|FIXME|HACK)\b/;

/**
 * The original design's daily code sweep: user-visible, so it is a Prefect deployment with a UI, history and
 * retries. Each repository is one step (`ctx.map`): one task run per repository in Prefect, four at a time, a
 * failed one retried alone. Without PREFECT_API_URL it falls back down the chain (queue, else internal) and
 * still runs nightly, with the same steps in process.
 */
@Injectable()
export class CodeSweepFlow {
  @PrefectDeployment({
    flow: 'daily-code-sweep',
    name: 'prod',
    cron: '0 2 * * *',
    timeZone: 'Europe/Berlin',
    parameters: { repos: ['apps', 'libs'], depth: 2 },
    tags: ['sweep'],
    retries: 2,
    retryDelaySeconds: 60,
    characteristics: { visibility: 'user-facing' },
  })
  async sweep(params: SweepParams, ctx: FlowRunContext): Promise<SweepSummary> {
    const repos = params.repos ?? ['apps', 'libs'];
    const reports = await ctx.map(
      'sweep-repo',
      repos,
      async (repo, step) => {
        const report: SweepReport = { files: 0, lines: 0, markers: 0 };
        await this.walk(resolve(repo), params.depth ?? 2, report, step.signal);
        step.logger.log(`${repo}: ${report.files} files, ${report.lines} lines, ${report.markers} markers`);
        return report;
      },
      { concurrency: 4, retries: 1, retryDelaySeconds: 10 },
    );
    const summary: SweepSummary = { files: 0, lines: 0, markers: 0, repos: {} };
    reports.forEach((report, i) => {
      summary.repos[repos[i]!] = report;
      summary.files += report.files;
      summary.lines += report.lines;
      summary.markers += report.markers;
    });
    ctx.logger.log(
      `Swept ${repos.length} repositories: ${summary.files} files, ${summary.lines} lines, ${summary.markers} TODO/FIXME/HACK markers`,
    );
    return summary;
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
