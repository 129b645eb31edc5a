import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { DeadLetterNotFoundError } from '../../../errors/index.js';
import type { StoredDeadLetter } from '../dead-letter-store.interface.js';
import { metaHeaders } from './nats-message.js';
import { natsJetStream, natsTransport } from './nats.module-loader.js';
import type { NatsNames } from './nats-names.js';

type Wire = Omit<StoredDeadLetter, 'enqueuedAt' | 'failedAt'> & { enqueuedAt: string; failedAt: string };

/**
 * Dead letters as messages of the `<p>_dead` stream (subject `<p>.dead.<workflow>`, body = the letter as JSON),
 * file-stored, shared by all replicas and kept until retried or purged.
 */
export class NatsDeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: NatsNames,
  ) {}

  /** Stores the letter; its message id makes a repeat of the same failed delivery (`deliverySeq`) one letter. */
  async add(letter: StoredDeadLetter, deliverySeq: number): Promise<void> {
    await this.js.publish(this.names.dead(letter.workflow), JSON.stringify(letter), {
      msgID: `dead-${letter.workflow}-${deliverySeq}`,
    });
  }

  async count(workflow: string): Promise<number> {
    const subject = this.names.dead(workflow);
    const info = await this.jsm.streams.info(this.names.deadStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  /** Every letter of the workflow with its stream sequence, oldest first (read by a short-lived consumer). */
  async list(workflow: string): Promise<Array<{ seq: number; letter: StoredDeadLetter }>> {
    const total = await this.count(workflow);
    if (total === 0) return [];
    const { AckPolicy, DeliverPolicy } = natsJetStream();
    const info = await this.jsm.consumers.add(this.names.deadStream, {
      filter_subject: this.names.dead(workflow),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: natsTransport().nanos(30_000),
    });
    const letters: Array<{ seq: number; letter: StoredDeadLetter }> = [];
    try {
      const consumer = await this.js.consumers.get(this.names.deadStream, info.name);
      while (letters.length < total) {
        const batch = await consumer.fetch({
          max_messages: Math.min(total - letters.length, 256),
          expires: 1000,
        });
        let got = 0;
        for await (const msg of batch) {
          got++;
          letters.push({ seq: msg.seq, letter: parse(msg.string()) });
        }
        if (got === 0) break;
      }
    } finally {
      await this.jsm.consumers.delete(this.names.deadStream, info.name).catch(() => undefined);
    }
    return letters;
  }

  /**
   * Re-enqueues one letter with attempts reset (same job key), then deletes it. Two replicas retrying the same
   * letter publish the same message id, so one job results.
   */
  async retry(workflow: string, jobKey: string): Promise<void> {
    const found = (await this.list(workflow)).find((entry) => entry.letter.jobKey === jobKey);
    if (!found) throw new DeadLetterNotFoundError(`queue:${workflow}:${jobKey}`);
    await this.js.publish(this.names.jobs(workflow), JSON.stringify(found.letter.payload), {
      msgID: `redo-${workflow}-${found.seq}`,
      headers: metaHeaders({ jobKey, enqueuedAt: Date.now() }),
    });
    await this.jsm.streams.deleteMessage(this.names.deadStream, found.seq).catch(() => false);
  }

  async purge(workflow: string): Promise<number> {
    const result = await this.jsm.streams.purge(this.names.deadStream, { filter: this.names.dead(workflow) });
    return result.purged;
  }
}

function parse(text: string): StoredDeadLetter {
  const wire = JSON.parse(text) as Wire;
  return { ...wire, enqueuedAt: new Date(wire.enqueuedAt), failedAt: new Date(wire.failedAt) };
}
