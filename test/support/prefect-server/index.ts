/**
 * A Prefect 3.8 API test server: plain Node `http`, state in memory, every request validated against
 * Prefect's published OpenAPI schema (../shared/prefect/openapi.json). See the README-style comments in
 * orchestration.ts (state rules) and scheduler.ts (future runs) for what is modelled.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { proposeState } from './orchestration.js';
import { createRouter } from './router.js';
import { createRunFromDeployment } from './routes/flow-runs.js';
import { allRoutes } from './routes/index.js';
import { poolView, workerView } from './routes/work-pools.js';
import { SchedulerService } from './scheduler.js';
import { schemaValidator } from './schema-validator.js';
import { Store, clone, iso } from './store.js';
import type { Deployment, Flow, FlowRun, Log, State, StateType, TaskRun, WorkPool, Worker } from './types.js';

export type {
  Deployment,
  DeploymentSchedule,
  Flow,
  FlowRun,
  FlowRunPolicy,
  Log,
  Schedule,
  State,
  StateDetails,
  StateType,
  TaskRun,
  WorkPool,
  WorkQueue,
  Worker,
} from './types.js';
export type { OrchestrationResult } from './orchestration.js';
export { schemaValidator, findOpenApiPath } from './schema-validator.js';
export { allRoutes } from './routes/index.js';

export interface PrefectTestServerOptions {
  port?: number; // default 0 (free port); a fixed port lets a test start the server late
  auth?: { apiKey?: string } | { basic?: string /* 'user:pass' */ }; // none by default
  schedulerIntervalMs?: number; // how often the scheduler service tops up future runs (default 250)
  concurrencySlotWaitSeconds?: number; // AwaitingConcurrencySlot delay of a deployment concurrency limit (default 30)
  /**
   * A struggling server (Prefect on SQLite under concurrent writes): reads take `readMs`; writes are served one
   * at a time, `writeMs` each; a write arriving while `maxQueuedWrites` are already waiting is answered 503
   * "database is locked" after `writeMs`, unapplied.
   */
  slow?: { writeMs: number; readMs?: number; maxQueuedWrites?: number };
}

export interface PrefectTestServer {
  readonly url: string; // 'http://127.0.0.1:<port>/api' — what PREFECT_API_URL would be
  readonly port: number;
  /** Every request whose body/params did not match ../shared/prefect/openapi.json (also answered 422). */
  readonly schemaViolations: Array<{ method: string; path: string; errors: string }>;
  /** Every request: method, path (without /api), status, body. */
  readonly requests: Array<{ method: string; path: string; status: number; body: unknown }>;
  flows(): Flow[];
  deployments(): Deployment[]; // with .schedules
  flowRuns(filter?: { deploymentId?: string; stateType?: string }): FlowRun[]; // with .state, .run_count, .start_time …
  stateHistory(flowRunId: string): State[]; // every state the run went through, in order
  taskRuns(flowRunId?: string): TaskRun[]; // in creation order
  taskRunHistory(taskRunId: string): State[]; // every state the task run went through, in order
  logs(flowRunId?: string): Log[];
  workPools(): WorkPool[];
  workers(poolName: string): Worker[]; // heartbeats received
  /** Simulates the UI/CLI: e.g. { type: 'CANCELLING', name: 'Cancelling' }, or PAUSED, with force semantics. */
  setFlowRunState(flowRunId: string, state: { type: string; name?: string; message?: string }): void;
  /** Simulates `prefect deployment run`: a new SCHEDULED run at `scheduledTime` (default now). */
  createFlowRun(
    deploymentId: string,
    opts?: { parameters?: Record<string, unknown>; scheduledTime?: Date },
  ): FlowRun;
  /**
   * Extension: while set, `set_state` proposals of these types are held `ms` and then dropped unanswered and
   * unapplied (a proxy holding them, a server stuck on a locked database); `null` serves them again.
   */
  holdSetState(hold: { types: StateType[]; ms: number } | null): void;
  /** Extension: runs the scheduler service (future runs + Late marking) once, now. */
  runScheduler(): void;
  stop(): Promise<void>;
}

export async function startPrefectTestServer(
  options: PrefectTestServerOptions = {},
): Promise<PrefectTestServer> {
  schemaValidator(); // load the schema up front: a missing openapi.json fails start, not the first request
  const store = new Store();
  if (options.concurrencySlotWaitSeconds !== undefined)
    store.concurrencySlotWaitSeconds = options.concurrencySlotWaitSeconds;
  const scheduler = new SchedulerService(store, options.schedulerIntervalMs ?? 250);
  const schemaViolations: PrefectTestServer['schemaViolations'] = [];
  const requests: PrefectTestServer['requests'] = [];
  let held: { types: StateType[]; ms: number } | null = null;
  const handle = createRouter({
    hold: (method, template, body) => {
      const type = (body as { state?: { type?: StateType } } | undefined)?.state?.type;
      const matches = method === 'POST' && template === '/flow_runs/{id}/set_state' && type !== undefined;
      return held && matches && held.types.includes(type) ? held.ms : undefined;
    },
    auth: options.auth,
    store,
    routes: allRoutes,
    schemaViolations,
    requests,
    scheduleSoon: () => scheduler.tick(),
    slow: options.slow ? slowMode(options.slow) : undefined,
  });

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ exception_message: 'Internal Server Error', detail: String(e) }));
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  scheduler.start();

  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}/api`,
    port,
    schemaViolations,
    requests,
    flows: () => [...store.flows.values()].map(clone),
    deployments: () => [...store.deployments.values()].map((d) => store.deploymentView(d)),
    flowRuns: (filter = {}) =>
      [...store.flowRuns.values()]
        .filter(
          (r) =>
            (!filter.deploymentId || r.deployment_id === filter.deploymentId) &&
            (!filter.stateType || r.state_type === filter.stateType),
        )
        .sort(
          (a, b) =>
            Date.parse(a.expected_start_time ?? a.created) - Date.parse(b.expected_start_time ?? b.created),
        )
        .map(clone),
    stateHistory: (id) => clone(store.history.get(id) ?? []),
    taskRuns: (flowRunId) =>
      [...store.taskRuns.values()].filter((r) => !flowRunId || r.flow_run_id === flowRunId).map(clone),
    taskRunHistory: (id) => clone(store.taskHistory.get(id) ?? []),
    logs: (id) => store.logs.filter((l) => !id || l.flow_run_id === id).map(clone),
    workPools: () => [...store.workPools.values()].map((p) => poolView(store, p)),
    workers: (poolName) => (store.workers.get(poolName) ?? []).map(workerView),
    setFlowRunState(id, state) {
      const run = store.flowRuns.get(id);
      if (!run) throw new Error(`No flow run ${id}`);
      const type = state.type.toUpperCase() as StateType;
      // The UI/CLI cancel a run that no infrastructure picked up straight to Cancelled (Prefect's
      // BypassCancellingFlowRunsWithNoInfra); everything else is written as a forced state.
      const bypass =
        type === 'CANCELLING' &&
        (run.state_type === 'SCHEDULED' || run.state_type === 'PAUSED') &&
        !run.infrastructure_pid;
      const proposal = {
        type,
        name: state.name ?? null,
        message: state.message ?? null,
        state_details: { scheduled_time: run.state?.state_details.scheduled_time ?? null },
      };
      proposeState(store, run, proposal, !bypass);
    },
    createFlowRun(deploymentId, opts = {}) {
      const d = store.deployments.get(deploymentId);
      if (!d) throw new Error(`No deployment ${deploymentId}`);
      const scheduled = iso(opts.scheduledTime ?? new Date());
      const { run } = createRunFromDeployment(store, d, {
        parameters: opts.parameters,
        enforce_parameter_schema: false,
        state: { type: 'SCHEDULED', name: 'Scheduled', state_details: { scheduled_time: scheduled } },
      });
      run.expected_start_time = scheduled;
      return clone(run);
    },
    holdSetState: (hold) => {
      held = hold;
    },
    runScheduler: () => scheduler.tick(),
    async stop() {
      if (stopped) return;
      stopped = true;
      scheduler.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}

const READS = /\/(filter|count|paginate|history)$/;

function slowMode(o: NonNullable<PrefectTestServerOptions['slow']>) {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let chain: Promise<unknown> = Promise.resolve();
  let queued = 0;
  return async (method: string, template: string): Promise<number | undefined> => {
    if (method === 'GET' || READS.test(template)) {
      await wait(o.readMs ?? 0);
      return undefined;
    }
    if (queued >= (o.maxQueuedWrites ?? 4)) {
      await wait(o.writeMs);
      return 503;
    }
    queued++;
    const turn = chain.then(() => wait(o.writeMs));
    chain = turn;
    await turn;
    queued--;
    return undefined;
  };
}
