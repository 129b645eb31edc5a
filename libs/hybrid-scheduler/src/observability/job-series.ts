/** The label sets of one job's series, and what it gathered since the last scrape (bounded like the labels). */
export class JobSeries {
  readonly labels: { tier: string; job: string };
  readonly statuses = new Map<string, { labels: Record<string, string>; count: number }>();
  /** Unix time (s) of the last success since the last scrape. */
  lastSuccessAt?: number;

  constructor(tier: string, job: string) {
    this.labels = { tier, job };
  }

  statusOf(status: string): { labels: Record<string, string>; count: number } {
    let entry = this.statuses.get(status);
    if (!entry) this.statuses.set(status, (entry = { labels: { ...this.labels, status }, count: 0 }));
    return entry;
  }
}
