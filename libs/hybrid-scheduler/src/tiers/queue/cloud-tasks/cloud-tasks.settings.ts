import type { CloudTasksProviderOptions } from '../../../config/module-options.js';
import { rememberUrlSecrets } from '../../../common/redact.js';

export const DEFAULT_PUSH_PATH = '/hybrid-scheduler/cloud-tasks';
/** Cloud Tasks refuses tasks over 1 MB; the JSON body is checked against this before CreateTask. */
export const MAX_TASK_BODY_BYTES = 1024 * 1024;
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;

/** Everything derived once from `queue.cloudTasks`: resource names, URLs and the OIDC audience. */
export interface CloudTasksSettings {
  options: CloudTasksProviderOptions;
  queuePath: string;
  /** Express/Fastify route of the push endpoint, `<pushPath>/:workflow`. */
  route: string;
  audience: string;
  urlOf(workflow: string): string;
  taskPath(taskId: string): string;
}

export function cloudTasksSettings(options: CloudTasksProviderOptions): CloudTasksSettings {
  rememberUrlSecrets(options.publicUrl);
  const pushPath = '/' + (options.pushPath ?? DEFAULT_PUSH_PATH).replace(/^\/+|\/+$/g, '');
  const base = options.publicUrl.replace(/\/+$/, '');
  const queuePath = `projects/${options.projectId}/locations/${options.location}/queues/${options.queue}`;
  return {
    options,
    queuePath,
    route: `${pushPath}/:workflow`,
    // Explicit and query-free: Cloud Tasks' default audience (the full task URL, query included) breaks verification.
    audience: options.audience ?? `${base}${pushPath}`,
    urlOf: (workflow) => `${base}${pushPath}/${encodeURIComponent(workflow)}`,
    taskPath: (taskId) => `${queuePath}/tasks/${taskId}`,
  };
}

/** `{ seconds, nanos }`: the client sends a JS Date as epoch 0. */
export const toTimestamp = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: Math.round((ms % 1000) * 1e6),
});
