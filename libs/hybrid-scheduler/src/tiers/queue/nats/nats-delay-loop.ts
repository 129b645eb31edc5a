import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { metaHeaders, readMeta } from './nats-message.js';
import { FETCH_EXPIRES_MS } from './nats-settings.js';
import type { NatsRuntime } from './nats-runtime.js';

/**
 * One workflow's not-yet-due messages (`delayed_<name>`: delayMs/runAt jobs, retries waiting for their backoff):
 * each is NAKed with the time left (the server redelivers it then, so nothing here keeps a timer per job), and
 * once due it is published to the work subject and acked.
 */
export class NatsDelayLoop {
  constructor(
    private readonly workflowName: string,
    private readonly rt: () => NatsRuntime,
    /** Whether the workflow still consumes: the loop ends, and held messages go back at once, when not. */
    private readonly consuming: () => boolean,
    private readonly noteError: (what: string, error: unknown) => void,
  ) {}

  async run(): Promise<void> {
    const { names } = this.rt();
    let consumer: Consumer | undefined;
    while (this.consuming()) {
      try {
        consumer ??= await this.rt().js.consumers.get(
          names.stream,
          names.durable(this.workflowName, 'delayed'),
        );
        const batch = await consumer.fetch({ max_messages: 256, expires: FETCH_EXPIRES_MS });
        for await (const msg of batch) await this.promote(msg);
      } catch (error) {
        consumer = undefined;
        this.noteError('delayed pull', error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** A delayed message: NAK it until it is due, then move it to the work subject. */
  private async promote(msg: JsMsg): Promise<void> {
    const meta = readMeta(msg.headers);
    const due = meta.runAt ?? 0;
    const wait = due - Date.now();
    if (wait > 2 || !this.consuming()) {
      msg.nak(Math.max(0, wait));
      return;
    }
    const { js, names } = this.rt();
    await js.publish(names.jobs(this.workflowName), msg.data, {
      // The same id if this message is delivered again before its ack arrived: the stream keeps one copy.
      msgID: `due-${this.workflowName}-${msg.seq}`,
      headers: metaHeaders({
        ...meta,
        runAt: undefined,
        jobKey: meta.jobKey ?? String(msg.seq),
        // A first delayed run is due at runAt; a retry keeps the due time of the job it retries.
        scheduledAt: meta.attemptsMade ? meta.scheduledAt : (meta.scheduledAt ?? due),
      }),
    });
    msg.ack();
  }
}
