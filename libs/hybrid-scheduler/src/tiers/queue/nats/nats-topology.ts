import type { ConsumerConfig, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { natsJetStream, natsTransport } from './nats.module-loader.js';
import type { NatsNames } from './nats-names.js';
import { DELAYED_ACK_WAIT_MS, DELAYED_MAX_ACK_PENDING, type NatsSettings } from './nats-settings.js';

/** Adds a stream, or updates the settings that may change (duplicate window) when it exists. */
async function upsertStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const existing = await jsm.streams.info(config.name).catch(() => undefined);
  if (!existing) {
    await jsm.streams.add(config);
    return;
  }
  if (existing.config.duplicate_window !== config.duplicate_window)
    await jsm.streams.update(config.name, { ...existing.config, duplicate_window: config.duplicate_window });
}

/**
 * The three streams, file-stored: work (work-queue retention: a message is gone once acknowledged), dead letters
 * (kept until retried or purged) and state (last tick and pause flag per workflow, one message per subject).
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: NatsNames,
  settings: NatsSettings,
): Promise<void> {
  const { RetentionPolicy, StorageType } = natsJetStream();
  const { nanos } = natsTransport();
  const duplicate_window = nanos(settings.duplicateWindowMs);
  await upsertStream(jsm, {
    name: names.stream,
    subjects: [`${names.stream}.jobs.>`, `${names.stream}.delayed.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window,
  });
  await upsertStream(jsm, {
    name: names.deadStream,
    subjects: [`${names.stream}.dead.>`],
    storage: StorageType.File,
    duplicate_window,
  });
  await upsertStream(jsm, {
    name: names.stateStream,
    subjects: [`${names.stream}.state.>`],
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    duplicate_window,
  });
}

/** Adds a durable pull consumer, or updates it when its settings changed since the last boot. */
async function upsertConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig>,
): Promise<void> {
  const name = config.durable_name!;
  const existing = await jsm.consumers.info(stream, name).catch(() => undefined);
  if (!existing) {
    await jsm.consumers.add(stream, config);
    return;
  }
  const { ack_wait, max_ack_pending } = existing.config;
  if (ack_wait !== config.ack_wait || max_ack_pending !== config.max_ack_pending)
    await jsm.consumers.update(stream, name, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
}

/**
 * One workflow's two durable pull consumers: `jobs_<name>` (work; explicit acks, redelivery after `ackWaitMs`,
 * `maxAckPending` delivered-and-unacknowledged across replicas) and `delayed_<name>` (holds not-yet-due jobs by
 * NAK with delay, then moves them to the work subject; a short ack wait, DELAYED_ACK_WAIT_MS). `max_deliver` is unlimited: attempts are counted by this
 * engine (header `Hybrid-Attempts-Made`), not by deliveries.
 */
export async function ensureConsumers(
  jsm: JetStreamManager,
  names: NatsNames,
  workflow: string,
  settings: NatsSettings,
): Promise<void> {
  const { AckPolicy, DeliverPolicy } = natsJetStream();
  const { nanos } = natsTransport();
  const common = { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_deliver: -1 };
  await upsertConsumer(jsm, names.stream, {
    ...common,
    durable_name: names.durable(workflow, 'jobs'),
    filter_subject: names.jobs(workflow),
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
  });
  await upsertConsumer(jsm, names.stream, {
    ...common,
    durable_name: names.durable(workflow, 'delayed'),
    filter_subject: names.delayed(workflow),
    ack_wait: nanos(DELAYED_ACK_WAIT_MS),
    max_ack_pending: DELAYED_MAX_ACK_PENDING,
  });
}
