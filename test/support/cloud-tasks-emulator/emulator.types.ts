/** The google.cloud.tasks.v2 messages as the emulator reads and writes them (proto-loader: longs and enums as strings). */
export interface Timestamp {
  seconds: string | number;
  nanos?: number;
}
export type Duration = Timestamp;

export interface OidcToken {
  serviceAccountEmail?: string;
  audience?: string;
}

export interface HttpRequest {
  url: string;
  httpMethod?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  oidcToken?: OidcToken;
  oauthToken?: { serviceAccountEmail?: string; scope?: string };
}

export interface RpcStatus {
  code: number;
  message: string;
}

export interface Attempt {
  scheduleTime?: Timestamp;
  dispatchTime?: Timestamp;
  responseTime?: Timestamp;
  responseStatus?: RpcStatus;
}

export interface TaskMessage {
  name?: string;
  httpRequest?: HttpRequest;
  appEngineHttpRequest?: unknown;
  scheduleTime?: Timestamp;
  createTime?: Timestamp;
  dispatchDeadline?: Duration;
  dispatchCount?: number;
  responseCount?: number;
  firstAttempt?: Attempt;
  lastAttempt?: Attempt;
  view?: string;
}

export interface RetryConfig {
  maxAttempts?: number;
  maxRetryDuration?: Duration;
  minBackoff?: Duration;
  maxBackoff?: Duration;
  maxDoublings?: number;
}

export interface RateLimits {
  maxDispatchesPerSecond?: number;
  maxBurstSize?: number;
  maxConcurrentDispatches?: number;
}

export interface QueueMessage {
  name?: string;
  rateLimits?: RateLimits;
  retryConfig?: RetryConfig;
  state?: string;
  purgeTime?: Timestamp;
}

/** One HTTP delivery attempt, as the tests inspect it. */
export interface DispatchRecord {
  /** Short task id (the last path segment of the task name). */
  taskId: string;
  queue: string;
  url: string;
  /** 1 for the first delivery of the task. */
  attempt: number;
  /** Headers sent, with lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** HTTP status, or null when no response arrived (connection error or dispatch deadline). */
  status: number | null;
  error?: string;
  dispatchedAt: Date;
  durationMs: number;
  /** What happened to the task after this attempt. */
  outcome: 'done' | 'retry' | 'gave-up' | 'deleted';
  /** Delay before the next attempt (after time scaling), when outcome is `retry`. */
  nextRetryInMs?: number;
}
