import { redactedMessage } from '../../../common/redact.js';
import { timerAt, type LongTimer } from '../../../common/timers.js';
import { catchUpGraceMs, dueTicks } from '../../../schedule/due-ticks.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import { metaHeaders } from './nats-message.js';
import type { NatsRuntime } from './nats-runtime.js';
import { PAUSED_TICK, reportMissedTicks } from '../missed-ticks.log.js';

/** `every` ticks sit on the epoch grid, so that every replica computes the same fire times. */
const EPOCH = new Date(0);

export const nextTick = (workflow: EngineWorkflow, after = new Date()): Date | null =>
  workflow.schedule.kind === 'every' || workflow.schedule.kind === 'cron'
    ? nextDue(workflow.schedule, after, EPOCH)
    : null;

/**
 * The schedule of one recurring workflow on a worker replica. Every replica fires every tick and publishes it
 * with the message id `tick-<workflow>-<fire time ms>`: the stream's duplicate window keeps one, so a tick runs
 * once across replicas (their clocks must agree within the window). Each tick is also noted as the last tick
 * in the state stream; at boot the gap since that note gives the ticks missed while no replica ran.
 */
export class NatsTicker {
  private timer?: LongTimer;
  private next: Date | null = null;

  constructor(
    private readonly workflow: EngineWorkflow,
    private readonly events: EngineEvents,
    private readonly rt: () => NatsRuntime,
    private readonly isPaused: () => boolean,
  ) {}

  async start(): Promise<void> {
    await this.accountForGap();
    this.arm(new Date());
  }

  stop(): void {
    this.timer?.clear();
    this.timer = undefined;
    this.next = null;
  }

  nextRunAt(): Date | null {
    return this.next ?? nextTick(this.workflow);
  }

  private arm(after: Date): void {
    const next = nextTick(this.workflow, after);
    this.next = next;
    if (next) this.timer = timerAt(next.getTime(), () => void this.fire(next));
  }

  private async fire(at: Date): Promise<void> {
    this.arm(at);
    try {
      if (this.isPaused()) this.events.missed(this.workflow.name, at, PAUSED_TICK);
      else await this.publish(at, `tick-${this.workflow.name}-${at.getTime()}`);
      await this.note(at);
    } catch (error) {
      const reason = `the tick could not be published (${redactedMessage(error)})`;
      this.events.missed(this.workflow.name, at, reason);
    }
  }

  private async publish(at: Date, msgID: string): Promise<void> {
    const { js, names } = this.rt();
    await js.publish(names.jobs(this.workflow.name), JSON.stringify(this.workflow.schedulePayload), {
      msgID,
      headers: metaHeaders({ scheduledAt: at.getTime(), enqueuedAt: Date.now() }),
    });
  }

  private async note(at: Date): Promise<void> {
    const { js, names } = this.rt();
    await js.publish(names.tick(this.workflow.name), JSON.stringify({ at: at.getTime() }), {
      msgID: `noted-${this.workflow.name}-${at.getTime()}`,
    });
  }

  /**
   * Ticks that fell due since the last noted one: those older than the grace (one period, at most a minute)
   * are reported as `missed`, and with `catchUp: 'once'` the newest of them runs once (its id derived from the
   * gap, so replicas booting together add one job); a tick within the grace still runs, late.
   */
  private async accountForGap(): Promise<void> {
    const { jsm, names } = this.rt();
    const last = await jsm.streams.getMessage(names.stateStream, {
      last_by_subj: names.tick(this.workflow.name),
    });
    if (!last) return;
    const lastAt = last.json<{ at: number }>().at;
    const now = Date.now();
    const first = nextTick(this.workflow, new Date(lastAt));
    if (!first || first.getTime() > now) return;
    const grace = catchUpGraceMs(this.workflow.schedule);
    const { ticks, omitted } = dueTicks(this.workflow.schedule, first, new Date(now), EPOCH);
    const late = ticks.filter((t) => t.getTime() <= now - grace);
    const onTime = ticks.filter((t) => t.getTime() > now - grace);
    if (late.length > 0) {
      const reason = `no worker ran when the tick was due (the last tick was noted ${now - lastAt}ms before this boot; catchUp: ${this.workflow.catchUp})`;
      reportMissedTicks(this.events, this.workflow.name, { ticks: late, omitted }, reason);
      if (this.workflow.catchUp === 'once')
        await this.publish(late[late.length - 1], `catch-up-${this.workflow.name}-${lastAt}`);
    }
    for (const t of onTime) await this.publish(t, `tick-${this.workflow.name}-${t.getTime()}`);
    await this.note(ticks[ticks.length - 1]);
  }
}
