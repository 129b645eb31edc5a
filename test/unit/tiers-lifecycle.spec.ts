import type { SchedulerTier, TierName } from '../../libs/hybrid-scheduler/src/interfaces/index.js';
import { TiersLifecycle } from '../../libs/hybrid-scheduler/src/lifecycle/tiers.lifecycle.js';
import { TaskRouter } from '../../libs/hybrid-scheduler/src/classifier/task.router.js';
import { JobRegistry } from '../../libs/hybrid-scheduler/src/registry/job.registry.js';
import { validateModuleOptions } from '../../libs/hybrid-scheduler/src/config/validate-options.js';
import type { TaskExplorer } from '../../libs/hybrid-scheduler/src/discovery/task.explorer.js';
import { queuedWorkflowDefinition } from '../../libs/hybrid-scheduler/src/discovery/queued-workflow.definition.js';
import type { TaskDefinition } from '../../libs/hybrid-scheduler/src/interfaces/index.js';
import { TierUnavailableError } from '../../libs/hybrid-scheduler/src/errors/index.js';
import {
  SchedulerTiers,
  type TierInstances,
} from '../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';

/** A tier that records what the lifecycle asks of it; `failStart` makes its start() reject. */
function recordingTier(name: TierName, log: string[], failStart = false): SchedulerTier {
  return {
    name,
    probe: async () => ({ available: true }),
    register: () => undefined,
    start: async () => {
      log.push(`start ${name}`);
      if (failStart) throw new Error(`${name} engine refused the connection`);
    },
    stopTriggers: async () => void log.push(`stopTriggers ${name}`),
    shutdown: async () => void log.push(`shutdown ${name}`),
    health: async () => ({ status: 'up', details: {} }),
    trigger: async (jobId) => ({ jobId, status: 'succeeded' }),
    pause: async () => undefined,
    resume: async () => undefined,
    remove: async () => undefined,
  };
}

const explorer = { explore: () => [] } as unknown as TaskExplorer;
const lifecycle = ([internal, queue, prefect]: SchedulerTier[]) => {
  const options = validateModuleOptions({});
  const instances = { internal, queue, prefect } as unknown as TierInstances;
  const tiers = new SchedulerTiers(options, instances);
  return new TiersLifecycle(options, tiers, explorer, new TaskRouter(), new JobRegistry());
};

describe('TiersLifecycle', () => {
  it('stops the tiers that started when another fails, and names the failed tier', async () => {
    const log: string[] = [];
    const subject = lifecycle([
      recordingTier('internal', log),
      recordingTier('queue', log, true),
      recordingTier('prefect', log),
    ]);
    await subject.onModuleInit();
    await expect(subject.onApplicationBootstrap()).rejects.toThrow(
      /The queue tier failed to start: queue engine refused the connection/,
    );
    expect(log).toEqual(expect.arrayContaining(['start internal', 'start queue', 'start prefect']));
    // The two that started are rolled back, outermost first; the failed one is not stopped.
    expect(log.filter((l) => !l.startsWith('start'))).toEqual([
      'stopTriggers prefect',
      'shutdown prefect',
      'stopTriggers internal',
      'shutdown internal',
    ]);
  });

  it('shuts down in the order prefect, queue, internal', async () => {
    const log: string[] = [];
    const subject = lifecycle([
      recordingTier('internal', log),
      recordingTier('queue', log),
      recordingTier('prefect', log),
    ]);
    await subject.onModuleInit();
    await subject.onApplicationBootstrap();
    log.length = 0;
    await subject.beforeApplicationShutdown();
    await subject.onApplicationShutdown();
    expect(log).toEqual([
      'stopTriggers prefect',
      'stopTriggers queue',
      'stopTriggers internal',
      'stopTriggers prefect',
      'shutdown prefect',
      'stopTriggers queue',
      'shutdown queue',
      'stopTriggers internal',
      'shutdown internal',
    ]);
  });

  // README: `fallback` decides what happens to tasks whose declared tier is down; with none, there is nothing to
  // refuse, so the app boots (the tier's health is degraded, and it keeps being probed).
  describe("fallback: 'fail' with the queue engine unreachable at boot", () => {
    const boot = async (tasks: TaskDefinition[]) => {
      const options = validateModuleOptions({
        fallback: 'fail',
        queue: { bullmq: { connection: 'redis://127.0.0.1:1' } },
      });
      const log: string[] = [];
      const queue = {
        ...recordingTier('queue', log),
        probe: async () => ({ available: false, reason: 'Redis at 127.0.0.1:1 is unreachable' }),
      };
      const instances = { internal: recordingTier('internal', log), queue } as unknown as TierInstances;
      const tiers = new SchedulerTiers(options, instances);
      const explore = { explore: () => tasks } as unknown as TaskExplorer;
      const subject = new TiersLifecycle(options, tiers, explore, new TaskRouter(), new JobRegistry());
      await subject.onModuleInit();
      await subject.onApplicationBootstrap();
      await subject.onApplicationShutdown();
      return log;
    };

    it('refuses to boot when a workflow is declared for it, naming the workflow and the reason', async () => {
      const charge = queuedWorkflowDefinition(
        { name: 'charge' },
        { className: 'Billing', methodName: 'charge' },
        () => undefined,
      );
      const error = await boot([charge]).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TierUnavailableError);
      expect((error as Error).message).toBe(
        'Task "charge" is declared for the queue tier, which is not available (Redis at 127.0.0.1:1 is unreachable), ' +
          "and fallback is 'fail'.",
      );
    });

    it('boots when no workflow is declared, and does not start the unreachable tier', async () => {
      expect(await boot([])).toEqual(['start internal', 'stopTriggers internal', 'shutdown internal']);
    });
  });
});
