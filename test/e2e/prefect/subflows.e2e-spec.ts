import { Injectable } from '@nestjs/common';
import {
  PrefectDeployment,
  SubflowFailedError,
  type FlowRunContext,
  type SubflowRun,
} from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

let child: SubflowRun | undefined;
let childEndedBeforeParent = false;
let failure: unknown;

@Injectable()
class AuditFlows {
  @PrefectDeployment({ flow: 'dependency-audit', name: 'prod' })
  async audit(p: { repo: string }, ctx: FlowRunContext) {
    await sleep(300);
    if (p.repo === 'broken') throw new Error('lockfile unreadable');
    ctx.logger.log(`audited ${p.repo}`);
  }

  @PrefectDeployment({ flow: 'weekly-audit', name: 'prod' })
  async weekly(_p: unknown, ctx: FlowRunContext) {
    child = await ctx.runDeployment('dependency-audit/prod', { repo: 'api' });
    childEndedBeforeParent = true;
    try {
      await ctx.runDeployment('dependency-audit/prod', { repo: 'broken' });
    } catch (error) {
      failure = error;
    }
  }
}

describe('prefect tier: subflows (ctx.runDeployment)', () => {
  let server: PrefectTestServer;
  let booted: BootedApp;
  const flowRun = (id: string) => server.flowRuns().find((r) => r.id === id)!;
  const deploymentId = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!.id;

  beforeAll(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 200 });
    booted = await bootPrefectApp(server.url, [AuditFlows], { concurrency: 3 });
  });
  afterAll(async () => {
    await booted?.close();
    await server?.stop();
  });
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it('creates a child flow run linked through a parent task run, waits for it, and shows it in graph-v2', async () => {
    const parent = server.createFlowRun(deploymentId('weekly-audit')).id;
    await waitFor(() => flowRun(parent).state_type === 'COMPLETED', 15_000, 'the parent COMPLETED');
    expect(childEndedBeforeParent).toBe(true);
    expect(child?.state).toBe('COMPLETED');
    const kid = flowRun(child!.flowRunId);
    expect(kid.state_type).toBe('COMPLETED');
    const links = server.taskRuns(parent);
    expect(links.map((t) => t.name)).toEqual(['dependency-audit/prod-0', 'dependency-audit/prod-1']);
    expect(kid.parent_task_run_id).toBe(links[0]!.id);
    expect(links.map((t) => t.state_type)).toEqual(['COMPLETED', 'FAILED']);
    expect(Date.parse(kid.end_time!)).toBeLessThanOrEqual(Date.parse(flowRun(parent).end_time!));

    expect(failure).toBeInstanceOf(SubflowFailedError);
    expect(String(failure)).toContain('ended FAILED');

    const graph = (await (await fetch(`${server.url}/flow_runs/${parent}/graph-v2`)).json()) as {
      nodes: Array<[string, { kind: string; label: string; state_type: string }]>;
    };
    const node = new Map(graph.nodes).get(kid.id);
    expect(node).toMatchObject({
      kind: 'flow-run',
      label: `dependency-audit / ${kid.name}`,
      state_type: 'COMPLETED',
    });
  });
});
