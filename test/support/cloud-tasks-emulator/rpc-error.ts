import { grpc } from 'google-gax';

/** A gRPC status error with the message text the real service uses, where it is known (see NOTES 3.4). */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(details);
  }
}

export const MESSAGES = {
  queueNotFound:
    'Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.',
  alreadyExists: 'Requested entity already exists',
  taskTombstoned:
    'The task cannot be created because a task with this name existed too recently. For more information about task de-duplication see https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks/create#body.request_body.FIELDS.task.',
  taskGone:
    'The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.',
  taskNotFound: 'Requested entity was not found.',
  badTaskId: (id: string) =>
    `Task ID "${id}" can contain only letters ([A-Za-z]), numbers ([0-9]), hyphens (-), or underscores (_). Task ID must between 1 and 500 characters.`,
  queueMismatch: (parent: string, named: string) =>
    `The queue name from request ('${parent}') must be the same as the queue name in the named task ('${named}').`,
};

export const QUEUE_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/queues\/([A-Za-z0-9-]{1,100})$/;
export const TASK_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks\/([^/]*)$/;
export const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
/** Tasks larger than this are refused (HTTP targets; App Engine's limit is lower). */
export const MAX_TASK_BYTES = 1024 * 1024;
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;
