import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HybridSchedulerModule, PrefectDeployment } from 'nestjs-hybrid-scheduler';
import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor } from '../../support/nest-app.js';
import { bootPrefectApp, FAST } from './prefect-app.js';

const ran: string[] = [];

@Injectable()
class Work {
  @PrefectDeployment({ flow: 'faulty', name: 'prod' })
  async run(_params: unknown, ctx: { flowRunId: string }) {
    ran.push(ctx.flowRunId);
  }
}

const spyOnWarn = () => jest.spyOn(Logger.prototype, 'warn');

describe('prefect tier: faults at runtime (issue 9)', () => {
  let server: PrefectTestServer | undefined;
  afterEach(async () => {
    expect(server?.schemaViolations ?? []).toEqual([]);
    await server?.stop();
    server = undefined;
  });

  it('a deployment deleted in Prefect behind the app is registered again, with a warning, and served', async () => {
    server = await startPrefectTestServer();
    const warn = spyOnWarn();
    const app = await bootPrefectApp(server.url, [Work]);
    try {
      const before = server.deployments()[0]!;
      const deleted = await fetch(`${server.url}/deployments/${before.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      await waitFor(() => server!.deployments().length === 1, 5_000, 'the deployment to be registered again');
      const after = server.deployments()[0]!;
      expect(after.id).not.toBe(before.id);
      expect(after.name).toBe('prod');
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringContaining(
          `Deployment "faulty/prod" (${before.id}) was deleted in Prefect; registering it again`,
        ),
      );
      const run = server.createFlowRun(after.id);
      await waitFor(() => ran.includes(run.id), 5_000, 'a run of the re-registered deployment');
      expect(
        (await app.scheduler.listJobs()).find((j) => j.id === 'prefect:faulty/prod')?.details,
      ).toMatchObject({
        deploymentId: after.id,
      });
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });

  it('a wrong basic-auth string fails boot as "authentication failed", never "unreachable", without the secret', async () => {
    server = await startPrefectTestServer({ auth: { basic: 'admin:right' } });
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          queue: { enabled: false },
          prefect: { ...FAST, apiUrl: server.url, authString: 'admin:WRONGPASS' },
        }),
      ],
      providers: [Work],
    })
    class WrongAuth {}
    const app = (await Test.createTestingModule({ imports: [WrongAuth] }).compile()).createNestApplication({
      logger: false,
    });
    const error = await app.init().then(
      () => null,
      (e: Error) => e,
    );
    await app.close().catch(() => undefined);
    expect(error?.message).toMatch(/Prefect authentication failed: GET .+ answered 401/);
    expect(error?.message).toContain('prefect.authString');
    // the hint is not taken for a credential by the redaction ("basic <word>" was masked: "basic ***")
    expect(error?.message).toContain('a self-hosted server with HTTP basic-auth');
    expect(error?.message).not.toContain('***');
    expect(error?.message).not.toMatch(/unreachable/);
    expect(error?.message).not.toContain('WRONGPASS');
  });

  it('credentials rotated under a running worker: health is down with "authentication failed"', async () => {
    server = await startPrefectTestServer({ auth: { basic: 'admin:right' } });
    const port = server.port;
    const app = await bootPrefectApp(server.url, [Work], { authString: 'admin:right' });
    try {
      await server.stop();
      server = await startPrefectTestServer({ port, auth: { basic: 'admin:rotated' } });
      const tier = app.app.get(SchedulerTiers).prefect('check health');
      await waitFor(async () => (await tier.health()).status === 'down', 5_000, 'health to go down');
      const health = await tier.health();
      expect(String(health.details.error)).toMatch(/Prefect authentication failed/);
      expect(JSON.stringify(health)).not.toMatch(/unreachable|admin:right/);
    } finally {
      await app.close();
    }
  });
});
