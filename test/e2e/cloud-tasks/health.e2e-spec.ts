import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';
import { bootCloudApp, type CloudApp } from './cloud-tasks.fixture.js';

/** Health asks Cloud Tasks for the queue (GetQueue with a timeout): up while it answers, down when it does not. */
describe('Cloud Tasks provider: health', () => {
  let emulator: CloudTasksEmulator;
  let app: CloudApp;

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
    app = await bootCloudApp(emulator, 'health', { extra: { ensureQueue: true } });
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop().catch(() => undefined);
  });

  it('reports the queue RUNNING, then down with the queue path once the service stops answering', async () => {
    const queueTier = app.app.get(SchedulerTiers).queue;
    const up = await queueTier.health();
    expect(up.status).toBe('up');
    expect(JSON.stringify(up.details)).toContain('"state":"RUNNING"');

    await emulator.stop();
    const down = await queueTier.health();
    expect(down.status).toBe('down');
    expect(JSON.stringify(down.details)).toContain(
      'projects/demo-project/locations/europe-west1/queues/health',
    );
  });
});
