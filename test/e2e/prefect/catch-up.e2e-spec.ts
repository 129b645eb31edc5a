import { Injectable } from '@nestjs/common';
import {
  HybridScheduler,
  PrefectDeployment,
  type FlowRunContext,
  type JobEvent,
} from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const ran = new Set<string>();

@Injectable()
class LateFlows {
  @PrefectDeployment({ flow: 'late-skip', name: 'test', every: '1s' })
  skip(_p: unknown, ctx: FlowRunContext) {
    ran.add(ctx.flowRunId);
  }

  @PrefectDeployment({ flow: 'late-once', name: 'test', every: '3s', catchUp: 'once' })
  once(_p: unknown, ctx: FlowRunContext) {
    ran.add(ctx.flowRunId);
  }
}

describe('prefect tier: catchUp for schedule ticks found late after a worker outage', () => {
  let server: PrefectTestServer;
  const events: JobEvent[] = [];
  const GRACE = 1000;
  let restartAt = 0;
  const runsOf = (flow: string) => {
    const d = server
      .deployments()
      .find((x) => server.flows().find((f) => f.id === x.flow_id)?.name === flow)!;
    return server.flowRuns({ deploymentId: d.id });
  };
  const due = (r: { expected_start_time: string | null }) => Date.parse(r.expected_start_time!);

  beforeAll(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 200 });
    const first = await bootPrefectApp(server.url, [LateFlows], { lateRunGraceMs: GRACE });
    await first.close(); // the workers are down; Prefect keeps scheduling
    await sleep(7000);
    restartAt = Date.now();
    const second = await bootPrefectApp(server.url, [LateFlows], { lateRunGraceMs: GRACE });
    second.app.get(HybridScheduler).onJobEvent((e) => events.push(e));
    await sleep(2500);
    await second.close();
  }, 30_000);
  afterAll(() => server?.stop());
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it("skip (default): none of the late ticks runs; each ends CANCELLED 'Missed' with why, reported as missed", () => {
    const late = runsOf('late-skip').filter((r) => due(r) < restartAt - GRACE);
    expect(late.length).toBeGreaterThanOrEqual(4);
    for (const r of late) {
      expect(ran.has(r.id)).toBe(false);
      expect(r.state).toMatchObject({ type: 'CANCELLED', name: 'Missed' });
      expect(r.state?.message).toMatch(
        /^Missed: due at .*, found \d+s late \(more than the grace period of 1s; catchUp: 'skip'\)$/,
      );
    }
    const missed = events.filter((e) => e.type === 'missed' && e.jobId === 'prefect:late-skip/test');
    expect(missed.map((e) => e.runId).sort()).toEqual(expect.arrayContaining(late.map((r) => r.id).sort()));
    // the schedule goes on: ticks due after the restart run
    expect(runsOf('late-skip').some((r) => due(r) > restartAt && r.state_type === 'COMPLETED')).toBe(true);
  });

  it('once: of the ticks due during the outage at most the most recent runs, the others are missed', () => {
    const during = runsOf('late-once')
      .filter((r) => due(r) < restartAt)
      .sort((a, b) => due(a) - due(b));
    expect(during.length).toBeGreaterThanOrEqual(2);
    const executed = during.filter((r) => ran.has(r.id));
    expect(executed.length).toBeLessThanOrEqual(1);
    if (executed.length) expect(executed[0]!.id).toBe(during.at(-1)!.id);
    const skipped = during.filter((r) => r.state_name === 'Missed');
    expect(skipped.length).toBeGreaterThanOrEqual(during.length - 1);
    expect(skipped[0]!.state?.message).toContain("catchUp: 'once' runs only the most recent one");
    expect(runsOf('late-once').some((r) => ran.has(r.id))).toBe(true);
  });
});
