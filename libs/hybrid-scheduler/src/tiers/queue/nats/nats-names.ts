import { createHash } from 'node:crypto';

/** Headers this engine sets; a plain producer may leave all of them out. */
export const HEADER = {
  /** The job key when it differs from the message's stream sequence (a delayed job, a retry, a re-run). */
  job: 'Hybrid-Job',
  /** Attempts already used before this message (retries carry it; absent = 0). */
  attemptsMade: 'Hybrid-Attempts-Made',
  /** Total tries when they differ from the workflow's `attempts`. */
  maxAttempts: 'Hybrid-Max-Attempts',
  /** When the job was first enqueued (epoch ms; absent = the message's timestamp). */
  enqueuedAt: 'Hybrid-Enqueued-At',
  /** When a tick or a delayed job was due (epoch ms). */
  scheduledAt: 'Hybrid-Scheduled-At',
  /** On the delayed subject: when the job becomes due (epoch ms). */
  runAt: 'Hybrid-Run-At',
} as const;

/**
 * Names of the streams, subjects and consumers under one prefix (`queue.nats.stream`, default `hybrid`):
 * stream `<p>` holds `<p>.jobs.<workflow>` (work) and `<p>.delayed.<workflow>` (not yet due), with work-queue
 * retention; `<p>_dead` holds `<p>.dead.<workflow>`; `<p>_state` holds the last tick and the pause flag of each
 * workflow (`<p>.state.tick.<workflow>`, `<p>.state.paused.<workflow>`, one message per subject).
 */
export class NatsNames {
  readonly deadStream: string;
  readonly stateStream: string;

  constructor(readonly stream: string) {
    this.deadStream = `${stream}_dead`;
    this.stateStream = `${stream}_state`;
  }

  jobs = (workflow: string): string => `${this.stream}.jobs.${workflow}`;
  delayed = (workflow: string): string => `${this.stream}.delayed.${workflow}`;
  dead = (workflow: string): string => `${this.stream}.dead.${workflow}`;
  tick = (workflow: string): string => `${this.stream}.state.tick.${workflow}`;
  paused = (workflow: string): string => `${this.stream}.state.paused.${workflow}`;
  get allPaused(): string {
    return `${this.stream}.state.paused.>`;
  }

  /** Durable consumer names allow no dots: the name with other characters replaced, plus a short hash. */
  durable(workflow: string, kind: 'jobs' | 'delayed'): string {
    const safe = workflow.replace(/[^A-Za-z0-9_-]/g, '_');
    const suffix =
      safe === workflow ? '' : `_${createHash('sha1').update(workflow).digest('hex').slice(0, 8)}`;
    return `${kind}_${safe}${suffix}`;
  }
}

/** Why `name` cannot be a workflow on NATS (it becomes the last subject tokens), or undefined. */
export function subjectProblem(name: string): string | undefined {
  if (/[\s*>]/.test(name)) return 'it contains whitespace, "*" or ">", which NATS subjects cannot carry';
  if (name.startsWith('.') || name.endsWith('.') || name.includes('..'))
    return 'it has an empty subject token (a leading, trailing or double ".")';
  return undefined;
}

/** Why `stream` cannot name a JetStream stream, or undefined. */
export function streamProblem(stream: string): string | undefined {
  return /^[A-Za-z0-9_-]+$/.test(stream)
    ? undefined
    : 'it must consist of letters, digits, "_" and "-" (it names streams and starts every subject)';
}
