import { Injectable } from '@nestjs/common';
import { HybridScheduler, PrefectDeployment, type JobEvent } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const running: Record<string, number> = { skip: 0, queue: 0 };
const most: Record<string, number> = { skip: 0, queue: 0 };
const done: Record<string, number> = { skip: 0, queue: 0 };
const hold = async (kind: 'skip' | 'queue', ms: number) => {
  running[kind]!++;
  most[kind] = Math.max(most[kind]!, running[kind]!);
  await sleep(ms);
  running[kind]!--;
  done[kind]!++;
};

@Injectable()
class OverlapFlows {
  @PrefectDeployment({ flow: 'long-skip', name: 'test', every: '1s', overlap: 'skip' })
  async longSkip() {
    await hold('skip', 2500);
  }

  @PrefectDeployment({ flow: 'long-queue', name: 'test', overlap: 'queue' })
  async longQueue() {
    await hold('queue', 800);
  }
}

describe("prefect tier: overlap 'skip' | 'queue' as the deployment's concurrency limit", () => {
  let server: PrefectTestServer;
  let booted: BootedApp;
  const events: JobEvent[] = [];
  const deployment = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!;

  beforeAll(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 200, concurrencySlotWaitSeconds: 1 });
    booted = await bootPrefectApp(server.url, [OverlapFlows], { concurrency: 4 });
    booted.app.get(HybridScheduler).onJobEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await booted?.close();
    await server?.stop();
  });
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it('registers limit 1 with CANCEL_NEW / ENQUEUE', () => {
    expect(deployment('long-skip')).toMatchObject({
      global_concurrency_limit: { limit: 1 },
      concurrency_options: { collision_strategy: 'CANCEL_NEW' },
    });
    expect(deployment('long-queue')).toMatchObject({
      global_concurrency_limit: { limit: 1 },
      concurrency_options: { collision_strategy: 'ENQUEUE' },
    });
  });

  it('skip: a long run and a 1 s schedule never run two at once; the ticks in between end CANCELLED, reported as skipped', async () => {
    const id = deployment('long-skip').id;
    await waitFor(
      () => server.flowRuns({ deploymentId: id, stateType: 'COMPLETED' }).length >= 2,
      12_000,
      'two long runs COMPLETED',
    );
    expect(most['skip']).toBe(1);
    const cancelled = server.flowRuns({ deploymentId: id, stateType: 'CANCELLED' });
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled[0]!.state?.message).toBe('Deployment concurrency limit reached.');
    const skipped = events.filter((e) => e.type === 'skipped' && e.jobId === 'prefect:long-skip/test');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.reason).toContain('overlap: skip');
  }, 20_000);

  it('queue: a second run waits (AwaitingConcurrencySlot) and runs after the first', async () => {
    const id = deployment('long-queue').id;
    const first = server.createFlowRun(id).id;
    const second = server.createFlowRun(id).id;
    await waitFor(
      () =>
        [first, second].every((r) => server.flowRuns().find((x) => x.id === r)?.state_type === 'COMPLETED'),
      10_000,
      'both queued runs COMPLETED',
    );
    expect(most['queue']).toBe(1);
    const names = [first, second].flatMap((r) => server.stateHistory(r).map((s) => s.name));
    expect(names).toContain('AwaitingConcurrencySlot');
    const [a, b] = [first, second].map((r) => server.flowRuns().find((x) => x.id === r)!);
    const [earlier, later] = Date.parse(a!.start_time!) < Date.parse(b!.start_time!) ? [a!, b!] : [b!, a!];
    expect(Date.parse(later.start_time!)).toBeGreaterThanOrEqual(Date.parse(earlier.end_time!));
  });

  it('a restart with the same overlap PATCHes nothing', async () => {
    const before = server.requests.length;
    const again = await bootPrefectApp(server.url, [OverlapFlows]);
    await again.close();
    // a PATCH /deployments/ would mean the stored limit looked different from the decorator's
    const patches = server.requests
      .slice(before)
      .filter((r) => r.method === 'PATCH' && r.path.startsWith('/deployments/'));
    expect(patches).toEqual([]);
  });
});
