import { grpc } from 'google-gax';
import { durationMs } from './backoff.js';
import type { QueueMessage, TaskMessage } from './emulator.types.js';
import {
  MAX_SCHEDULE_AHEAD_MS,
  MAX_TASK_BYTES,
  MESSAGES,
  QUEUE_NAME,
  RpcError,
  TASK_ID,
  TASK_NAME,
} from './rpc-error.js';
import type { TaskEngine } from './task.engine.js';

type Handler = (request: Record<string, unknown>) => unknown;

export interface ServiceHooks {
  /** Called before every CreateTask; throwing an RpcError fails that call (transient-error tests). */
  beforeCreateTask(): void;
}

const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);

function checkQueueName(name: unknown): string {
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    throw invalid(
      `Invalid resource field value in the request: queue name "${String(name)}" must look like projects/PROJECT/locations/LOCATION/queues/QUEUE`,
    );
  }
  return name;
}

/** Applies an UpdateQueue field mask (camel- or snake-case paths); no mask replaces every settable field. */
function applyMask(
  current: QueueMessage | undefined,
  update: QueueMessage,
  paths: string[] | undefined,
): QueueMessage {
  if (!current || !paths?.length) return { ...current, ...update, state: current?.state };
  const next: QueueMessage = structuredClone(current);
  for (const raw of paths) {
    const path = raw.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).split('.');
    let from: Record<string, unknown> = update as Record<string, unknown>;
    let to: Record<string, unknown> = next as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      from = (from?.[key] ?? {}) as Record<string, unknown>;
      to = (to[key] ??= {}) as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    if (from?.[leaf] === undefined) delete to[leaf];
    else to[leaf] = from[leaf];
  }
  return next;
}

function validateTask(parent: string, task: TaskMessage): void {
  if (task.name) {
    const match = TASK_NAME.exec(task.name);
    if (!match) throw invalid(`Task name "${task.name}" must look like ${parent}/tasks/TASK_ID`);
    if (match[1] !== parent) throw invalid(MESSAGES.queueMismatch(parent, match[1]));
    if (!TASK_ID.test(match[2])) throw invalid(MESSAGES.badTaskId(match[2]));
  }
  if (!task.httpRequest) throw invalid('The emulator supports HTTP targets only: set task.httpRequest');
  if (!/^https?:\/\//.test(task.httpRequest.url ?? ''))
    throw invalid(`HttpRequest.url must be an http(s) URL (got "${task.httpRequest.url}")`);
  const size =
    (task.httpRequest.body?.length ?? 0) +
    JSON.stringify(task.httpRequest.headers ?? {}).length +
    task.httpRequest.url.length;
  if (size > MAX_TASK_BYTES)
    throw invalid(`Task size ${size} bytes exceeds the maximum of ${MAX_TASK_BYTES} bytes`);
  if (task.scheduleTime && Number(task.scheduleTime.seconds) * 1000 > Date.now() + MAX_SCHEDULE_AHEAD_MS) {
    throw invalid('Task.scheduleTime is more than 30 days in the future');
  }
  const deadline = task.dispatchDeadline ? durationMs(task.dispatchDeadline) : undefined;
  if (deadline !== undefined && (deadline < 15_000 || deadline > 1_800_000)) {
    throw invalid(`Task.dispatchDeadline must be between 15s and 30m (got ${deadline / 1000}s)`);
  }
}

/** Drops the body unless the FULL view was asked for, like the real service's BASIC view. */
function view(task: TaskMessage, responseView: unknown): TaskMessage {
  if (responseView === 'FULL' || !task.httpRequest) return { ...task, view: 'FULL' };
  const { body: _body, ...httpRequest } = task.httpRequest;
  return { ...task, httpRequest, view: 'BASIC' };
}

/** The google.cloud.tasks.v2.CloudTasks methods the emulator implements; the rest answer UNIMPLEMENTED. */
export function cloudTasksHandlers(engine: TaskEngine, hooks: ServiceHooks): Record<string, Handler> {
  const queueParent = (parent: unknown) => String(parent);
  return {
    listQueues: ({ parent }) => ({
      queues: [...engine.queues.keys()]
        .filter((n) => n.startsWith(`${queueParent(parent)}/queues/`))
        .map((n) => engine.queue(n).message),
    }),
    getQueue: ({ name }) => engine.queue(checkQueueName(name)).message,
    createQueue: ({ parent, queue }) => {
      const message = queue as QueueMessage;
      const name = checkQueueName(message?.name);
      if (!name.startsWith(`${parent}/queues/`))
        throw invalid(`Queue name "${name}" is not under parent "${parent}"`);
      if (engine.queues.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, MESSAGES.alreadyExists);
      return engine.putQueue(message);
    },
    // UpdateQueue creates the queue when it does not exist (cloudtasks.proto).
    updateQueue: ({ queue, updateMask }) => {
      const message = queue as QueueMessage;
      const name = checkQueueName(message?.name);
      const paths = (updateMask as { paths?: string[] } | undefined)?.paths;
      return engine.putQueue({ ...applyMask(engine.queues.get(name)?.message, message, paths), name });
    },
    deleteQueue: ({ name }) => {
      engine.queue(checkQueueName(name));
      engine.deleteQueue(name as string);
      return {};
    },
    purgeQueue: ({ name }) => {
      engine.purge(checkQueueName(name));
      return engine.queue(name as string).message;
    },
    pauseQueue: ({ name }) => engine.setState(checkQueueName(name), 'PAUSED'),
    resumeQueue: ({ name }) => engine.setState(checkQueueName(name), 'RUNNING'),
    createTask: ({ parent, task, responseView }) => {
      hooks.beforeCreateTask();
      const queueName = checkQueueName(parent);
      engine.queue(queueName);
      const message = (task ?? {}) as TaskMessage;
      validateTask(queueName, message);
      return view(engine.addTask(queueName, message), responseView);
    },
    getTask: ({ name, responseView }) => view(engine.task(String(name)).message, responseView),
    deleteTask: ({ name }) => {
      engine.deleteTask(String(name));
      return {};
    },
    runTask: ({ name, responseView }) => view(engine.runNow(String(name)), responseView),
    listTasks: ({ parent, pageSize, pageToken, responseView }) => {
      const all = engine.tasksOf(checkQueueName(parent)).map((t) => view(t.message, responseView));
      const start = Number(pageToken || 0);
      const size = Number(pageSize) > 0 ? Math.min(Number(pageSize), 1000) : 1000;
      const end = start + size;
      return { tasks: all.slice(start, end), nextPageToken: end < all.length ? String(end) : '' };
    },
  };
}

/** Wraps plain handlers as gRPC unary handlers, mapping RpcError to its status. */
export function toGrpcImplementation(handlers: Record<string, Handler>): grpc.UntypedServiceImplementation {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      try {
        callback(null, handler(call.request));
      } catch (error) {
        if (error instanceof RpcError) callback({ code: error.code, details: error.details });
        else
          callback({
            code: grpc.status.INTERNAL,
            details: error instanceof Error ? error.message : String(error),
          });
      }
    };
  }
  return implementation;
}
