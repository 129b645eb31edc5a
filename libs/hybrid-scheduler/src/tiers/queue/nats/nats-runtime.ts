import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsDeadLetters } from './nats-dead-letters.js';
import type { NatsNames } from './nats-names.js';
import type { NatsSettings } from './nats-settings.js';

/** What every workflow of one engine shares: the connection's APIs, names, settings and dead letters. */
export interface NatsRuntime {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  settings: NatsSettings;
  deadLetters: NatsDeadLetters;
}
