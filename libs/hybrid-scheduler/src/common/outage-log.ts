import { Logger } from '@nestjs/common';
import { redact } from './redact.js';

/** While an outage lasts, one reminder at most this often. */
export const OUTAGE_REMINDER_MS = 60_000;

/** How long a noted error waits for its connection's failure before it is logged on its own. */
const NOTE_DELAY_MS = 1_000;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/**
 * What one engine logs about its connection, however many clients, queues and workers it has: one WARN when
 * an outage starts, a reminder at most every OUTAGE_REMINDER_MS while it lasts, one LOG with its duration when
 * it ends. `what` names the engine and address ("Redis at 127.0.0.1:6379"), a reason follows ("is unreachable
 * (ECONNREFUSED)"). Each client reports as its own `source`; the outage ends when every failing source is back.
 * Errors of parts that have no "back" event (a BullMQ queue re-emitting its connection's errors) are `noted`:
 * silent during an outage, else logged at most once per message per reminder interval. All text is redacted.
 */
export class OutageLog {
  private readonly logger: Logger;
  private readonly failing = new Set<string>();
  private since?: number;
  private reason = '';
  private lastReminder = 0;
  private lastFailAt = -Infinity;
  private readonly noted = new Map<string, number>();

  constructor(
    /** `Redis at 127.0.0.1:6379`: names the engine and its address (never credentials). */
    private readonly what: string,
    context = 'HybridScheduler',
    private readonly reminderMs = OUTAGE_REMINDER_MS,
  ) {
    this.logger = new Logger(context);
  }

  /** When the current outage started, or undefined while everything answers. */
  get downSince(): Date | undefined {
    return this.since === undefined ? undefined : new Date(this.since);
  }

  /** The reason of the latest failure of the current outage. */
  get lastReason(): string | undefined {
    return this.since === undefined ? undefined : this.reason;
  }

  fail(source: string, reason: string): void {
    const now = Date.now();
    this.lastFailAt = now;
    this.failing.add(source);
    this.reason = redact(reason);
    if (this.since === undefined) {
      this.since = now;
      this.lastReminder = now;
      this.logger.warn(`${this.what} ${this.reason}; retrying in the background`);
    } else if (now - this.lastReminder >= this.reminderMs) {
      this.lastReminder = now;
      this.logger.warn(`${this.what} still failing after ${seconds(now - this.since)}: ${this.reason}`);
    }
  }

  ok(source: string): void {
    if (!this.failing.delete(source) || this.failing.size || this.since === undefined) return;
    this.logger.log(`${this.what} answers again after ${seconds(Date.now() - this.since)} of outage`);
    this.since = undefined;
  }

  /** A source that went away (closed) stops counting, without ending or starting anything. */
  forget(source: string): void {
    this.failing.delete(source);
    if (!this.failing.size) this.since = undefined;
  }

  /**
   * Logged after NOTE_DELAY_MS unless a failure was reported meanwhile: a part's error often arrives a moment
   * before its connection's own (a worker's blocking read sees ECONNRESET first), and belongs to that outage.
   */
  note(message: string): void {
    if (this.since !== undefined) return;
    const notedAt = Date.now();
    setTimeout(() => {
      if (this.since !== undefined || this.lastFailAt >= notedAt - NOTE_DELAY_MS) return;
      const text = redact(message);
      const now = Date.now();
      if (now - (this.noted.get(text) ?? -Infinity) < this.reminderMs) return;
      if (this.noted.size > 100) this.noted.clear();
      this.noted.set(text, now);
      this.logger.warn(`${this.what}: ${text}`);
    }, NOTE_DELAY_MS).unref();
  }
}
