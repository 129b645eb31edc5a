import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import * as prom from 'prom-client';
import { schedulerMetrics } from '../../libs/hybrid-scheduler/src/observability/scheduler-metrics.js';

/** Every metric name the docs' PromQL and the Grafana dashboard use is one the library registers. */
describe('docs/observability.md and docs/grafana-dashboard.json', () => {
  const registry = new Registry();
  schedulerMetrics(prom, registry, 'hybrid_scheduler_');
  const names = new Set(
    registry.getMetricsAsArray().flatMap((metric) => {
      const name = metric.name;
      return metric instanceof prom.Histogram ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    }),
  );
  const used = (text: string) => [...new Set(text.match(/hybrid_scheduler_[a-z_]+/g) ?? [])];

  it.each(['observability.md', 'grafana-dashboard.json'])('%s names only registered metrics', (file) => {
    const text = readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');
    const unknown = used(text).filter((name) => !names.has(name) && name !== 'hybrid_scheduler_');
    expect(unknown).toEqual([]);
    expect(used(text).length).toBeGreaterThan(5);
  });

  it('the dashboard is valid JSON with a query on every panel', () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    for (const panel of dashboard.panels) expect(panel.targets[0]?.expr).toMatch(/hybrid_scheduler_/);
  });
});
