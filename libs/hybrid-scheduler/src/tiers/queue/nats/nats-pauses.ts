import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { NatsNames } from './nats-names.js';
import type { NatsRuntime } from './nats-runtime.js';
import type { NatsWorkflow } from './nats-workflow.js';

/**
 * Pause flags shared by every replica: one message per workflow in the state stream (the last one wins),
 * followed live through its subject.
 */
export class NatsPauses {
  private subscription?: Subscription;

  constructor(
    private readonly names: NatsNames,
    private readonly workflow: (name: string) => NatsWorkflow | undefined,
  ) {}

  async set(runtime: NatsRuntime, w: NatsWorkflow, paused: boolean): Promise<void> {
    w.setPaused(paused);
    await runtime.js.publish(this.names.paused(w.workflow.name), JSON.stringify({ paused }));
  }

  /** Reads every workflow's flag, then follows changes made by any replica. */
  async watch(runtime: NatsRuntime, nc: NatsConnection, names: Iterable<string>): Promise<void> {
    for (const name of names) {
      const last = await runtime.jsm.streams.getMessage(this.names.stateStream, {
        last_by_subj: this.names.paused(name),
      });
      if (last) this.workflow(name)?.setPaused(last.json<{ paused: boolean }>().paused);
    }
    this.subscription = nc.subscribe(this.names.allPaused, {
      callback: (error, msg) => {
        if (error) return;
        const name = msg.subject.slice(this.names.paused('').length);
        this.workflow(name)?.setPaused(msg.json<{ paused: boolean }>().paused === true);
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
