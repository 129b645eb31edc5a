import { bool, int, listOf, millis, text, url } from './option-kinds.js';
import { block } from './option-section.js';

const HOST_PORT = /^(.+):(\d+)$/;

const emulator = block(
  {
    host: text({ required: true }),
    port: int({ required: true, min: 1, max: 65_535 }),
  },
  {
    env: {
      name: 'HYBRID_SCHEDULER_CLOUD_TASKS_EMULATOR',
      accepts: 'host:port',
      read: (value) => {
        const match = HOST_PORT.exec(value.trim());
        return match
          ? { value: { host: match[1], port: Number(match[2]) } }
          : { problem: 'must be host:port' };
      },
    },
  },
);

/** `queue.cloudTasks`: the Google Cloud Tasks engine (push delivery to this app's HTTP endpoint). */
export const cloudTasksOptions = block({
  projectId: text({ required: true, env: 'HYBRID_SCHEDULER_CLOUD_TASKS_PROJECT' }),
  location: text({ required: true, env: 'HYBRID_SCHEDULER_CLOUD_TASKS_LOCATION' }),
  queue: text({ required: true, env: 'HYBRID_SCHEDULER_CLOUD_TASKS_QUEUE' }),
  /** Public base URL of this app, as Cloud Tasks reaches it (https://api.example.com). */
  publicUrl: url({
    required: true,
    protocols: ['http', 'https'],
    env: 'HYBRID_SCHEDULER_CLOUD_TASKS_PUBLIC_URL',
  }),
  /** Path of the push endpoint (default `/hybrid-scheduler/cloud-tasks`). */
  pushPath: text({}),
  /** Service account whose OIDC token Cloud Tasks attaches and the push endpoint requires. */
  serviceAccountEmail: text({ env: 'HYBRID_SCHEDULER_CLOUD_TASKS_SERVICE_ACCOUNT' }),
  /** Audience of the OIDC token (default: publicUrl + pushPath). */
  audience: text({ env: 'HYBRID_SCHEDULER_CLOUD_TASKS_AUDIENCE' }),
  /** How long Cloud Tasks waits for the push endpoint to answer (15 s to 30 min; Cloud Tasks' default 10 min). */
  dispatchDeadlineMs: millis({ min: 15_000, max: 1_800_000 }),
  /** Create or update the queue (retry config, rate limits) at boot. */
  ensureQueue: bool({}),
  /** Local emulator; switches the client to insecure gRPC. */
  emulator,
  /** For tests against an emulator: where the token verifier fetches certificates, and the issuer it accepts. */
  oidc: block({
    certsUrl: url({ protocols: ['http', 'https'] }),
    issuers: listOf('text', {}),
  }),
});
