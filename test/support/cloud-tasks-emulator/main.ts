// Local development: `node dist/test/support/cloud-tasks-emulator/main.js [--port 8123] [--oidc-port 8124]
//   [--queue projects/P/locations/L/queues/Q]... [--time-scale 1]` (or the npm script `emulator:cloud-tasks`).
import { parseArgs } from 'node:util';
import { startCloudTasksEmulator } from './index.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8123' },
    'oidc-port': { type: 'string', default: '8124' },
    issuer: { type: 'string' },
    queue: { type: 'string', multiple: true, default: [] },
    'time-scale': { type: 'string', default: '1' },
  },
});

const number = (name: string, value: string | undefined): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative number (got "${value}")`);
  return parsed;
};

const emulator = await startCloudTasksEmulator({
  host: values.host,
  port: number('port', values.port),
  oidcPort: number('oidc-port', values['oidc-port']),
  issuer: values.issuer,
  timeScale: number('time-scale', values['time-scale']),
  onDispatch: (d) =>
    console.log(
      `${d.dispatchedAt.toISOString()} ${d.taskId} attempt ${d.attempt} -> ${d.status ?? d.error} (${d.outcome}${d.nextRetryInMs !== undefined ? `, next in ${d.nextRetryInMs}ms` : ''})`,
    ),
});
for (const queue of values.queue ?? []) emulator.createQueue(queue);

console.log(`Cloud Tasks emulator (google.cloud.tasks.v2 over insecure gRPC) on ${emulator.host}:${emulator.port}
OIDC certs: ${emulator.certsUrl}   issuer: ${emulator.issuer}
Queues: ${values.queue?.length ? values.queue.join(', ') : 'none yet (create them with the client, or ensureQueue: true)'}

Configure the app with:
  queue: { provider: 'cloud-tasks', cloudTasks: { projectId, location, queue, publicUrl: 'http://localhost:3000',
    serviceAccountEmail: 'tasks@<project>.iam.gserviceaccount.com',
    emulator: { host: '${emulator.host}', port: ${emulator.port} },
    oidc: { certsUrl: '${emulator.certsUrl}', issuers: ['${emulator.issuer}'] } } }
or HYBRID_SCHEDULER_CLOUD_TASKS_EMULATOR=${emulator.host}:${emulator.port}`);

const stop = async () => {
  await emulator.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
