import { show } from './messages.js';

/** Base class of every error this library throws, so callers can catch them as one family. */
export class HybridSchedulerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A facade method got an argument it cannot use; names the method, the argument and the value. Nothing ran. */
export class InvalidArgumentError extends HybridSchedulerError {
  constructor(
    readonly method: string,
    readonly argument: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${method}(): argument "${argument}" = ${show(value)} is invalid: ${expected}`);
  }
}

/** A decorator, a dynamic task or the module options are invalid; thrown at boot. */
export class InvalidTaskOptionsError extends HybridSchedulerError {}

export class InvalidModuleOptionsError extends HybridSchedulerError {
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid HybridSchedulerModule options:\n  - ${problems.join('\n  - ')}`, options);
  }
}

/** Characteristics given to `classifyTask()` / `HybridScheduler.classify()` are invalid; names which and the value. */
export class InvalidCharacteristicsError extends HybridSchedulerError {
  constructor(
    /** `'frequency'`, …, or `'characteristics'` when the whole argument is not an object. */
    readonly characteristic: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}

export class DuplicateTaskError extends HybridSchedulerError {}

export class JobNotFoundError extends HybridSchedulerError {
  constructor(
    readonly jobId: string,
    known: string[],
  ) {
    super(
      `No job with id "${jobId}". Known ids look like "<tier>:<name>"` +
        (known.length
          ? `; known: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`
          : '; none are registered'),
    );
  }
}

export class WorkflowNotFoundError extends HybridSchedulerError {
  constructor(
    readonly workflow: string,
    known: string[],
  ) {
    super(`No queued workflow named "${workflow}"; known: ${known.length ? known.join(', ') : 'none'}`);
  }
}

export class DeadLetterNotFoundError extends HybridSchedulerError {
  constructor(readonly id: string) {
    super(
      `No dead letter with id "${id}" (ids look like "queue:<workflow>:<job key>"; list them with deadLetters(workflow))`,
    );
  }
}

export class DeploymentNotFoundError extends HybridSchedulerError {
  constructor(
    readonly deployment: string,
    known: string[],
  ) {
    super(`No Prefect deployment named "${deployment}"; known: ${known.length ? known.join(', ') : 'none'}`);
  }
}

export class PayloadValidationError extends HybridSchedulerError {
  constructor(
    readonly workflow: string,
    readonly problems: string[],
  ) {
    super(
      `Payload for workflow "${workflow}" is invalid; nothing was enqueued:\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/** `trigger()` of a workflow whose payload DTO needs fields it has no `schedulePayload` for. */
export class PayloadRequiredError extends PayloadValidationError {
  constructor(workflow: string, problems: string[]) {
    super(workflow, problems);
    this.message =
      `Workflow "${workflow}" needs a payload, and trigger() has none to send (it has no schedulePayload); ` +
      `use enqueueWorkflow("${workflow}", payload). Nothing was enqueued.`;
  }
}

/**
 * A tier or engine cannot serve the call: it could not start, a declared tier is unavailable while
 * `fallback: 'fail'`, or (at runtime) the engine is known to be down and did not answer within
 * `unavailableTimeoutMs`. `engine` and `address` name what is down (never credentials); HTTP apps map it to 503.
 */
export class TierUnavailableError extends HybridSchedulerError {
  /** `bullmq`, `cloud-tasks`, `prefect`, … when one engine is the culprit. */
  readonly engine?: string;
  /** `host:port` or URL of the engine, with any credentials removed. */
  readonly address?: string;

  constructor(message: string, options: { cause?: unknown; engine?: string; address?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.engine = options.engine;
    this.address = options.address;
  }
}

export class TaskTimeoutError extends HybridSchedulerError {
  constructor(jobId: string, timeoutMs: number) {
    super(`Job "${jobId}" timed out after ${timeoutMs}ms`);
  }
}

/** Thrown from a handler (or raised by the tier) when a run is cancelled or aborted by shutdown. */
export class TaskCancelledError extends HybridSchedulerError {}

/** A step (`ctx.task` / `ctx.map`) did not run: a step it waits for failed; `cause` is that failure. */
export class UpstreamStepError extends HybridSchedulerError {
  constructor(
    readonly step: string,
    readonly upstream: string,
    cause: unknown,
  ) {
    super(`Step "${step}" did not run: step "${upstream}" it waits for failed`, { cause });
  }
}

/** A subflow (`ctx.runDeployment` with `wait`) ended in another state than COMPLETED. */
export class SubflowFailedError extends HybridSchedulerError {
  constructor(
    readonly deployment: string,
    readonly flowRunId: string,
    readonly state: string,
    detail: string | null | undefined,
  ) {
    super(`Subflow ${deployment} (flow run ${flowRunId}) ended ${state}${detail ? `: ${detail}` : ''}`);
  }
}
