import type { QueueProviderName, QueueTierOptions } from 'nestjs-hybrid-scheduler';

/**
 * One queue engine as the conformance suite sees it. Adding an engine to the suite = one file in `drivers/`
 * that implements this, plus one line in `drivers/index.ts`. Every case file runs every driver against its own
 * private server (started in `beforeAll`, stopped in `afterAll`), so cases may kill and restart it.
 */
export interface EngineDriver {
  readonly engine: QueueProviderName;
  /** Whether the engine is a server of its own (false: memory, which lives in the app's process). */
  readonly broker: boolean;
  /** What the engine documents it cannot do (docs/queue.md, engine table); the cases assert these instead. */
  readonly limits: EngineLimits;
  /** Starts a private server for one suite file (memory: none; `broker` is then undefined). */
  start(): Promise<RunningEngine>;
  /**
   * `queue` options pointing at an address where nothing listens, and how errors/health must name it.
   * Undefined for engines without an address (memory).
   */
  unreachable?(): Promise<{ queue: QueueTierOptions; address: string }>;
}

export interface RunningEngine {
  /**
   * `queue` module options for an app on this server (JSON-serialisable: child processes get them as
   * `QUEUE_OPTIONS`). `namespace` isolates the data of one case (prefix, stream, vhost); apps sharing a
   * namespace share their queues. Tuned for tests: short lock/ack timeouts so a killed consumer's job is
   * taken over within ~3 s.
   */
  queueOptions(namespace: string): QueueTierOptions;
  /** The broker process; undefined for engines without one (memory). */
  readonly broker?: BrokerControl;
  /**
   * Enqueues `payload` with the engine's own client and nothing of this library, as a script or another
   * service would (the documented subject/queue/name, JSON body). Undefined where the engine lives only
   * inside the app (memory).
   */
  produceRaw?(namespace: string, workflow: string, payload: unknown): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

export interface BrokerControl {
  /** `host:port` as health and errors must name it (never with credentials). */
  readonly address: string;
  /** A password that is part of `queueOptions` and must never appear in logs, health or errors. */
  readonly secret?: string;
  /** SIGKILL: no goodbye; data written so far stays on disk. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers (no client sees an outage); returns the thaw. */
  freeze(): () => void;
}

export interface EngineLimits {
  /** Jobs survive a restart of the app (and of the broker). False: memory. */
  durable: boolean;
  /** Replicas share one queue (work is spread, ticks fire once across them). False: memory. */
  shared: boolean;
  /** `priority` orders waiting jobs. False where the engine has no priorities (documented as ignored). */
  priority: boolean;
  /** `rateLimit` holds across replicas; false where each process enforces its own limit. */
  globalRateLimit: boolean;
  /** A delayed job starts at most this long after it was due (on an idle queue). */
  delayToleranceMs: number;
}

/** The drivers selected by `CONFORMANCE_ENGINES` (comma-separated engine names; default: all). */
export function selectDrivers(all: EngineDriver[]): EngineDriver[] {
  const wanted = process.env.CONFORMANCE_ENGINES?.split(',').map((name) => name.trim());
  return wanted ? all.filter((driver) => wanted.includes(driver.engine)) : all;
}
