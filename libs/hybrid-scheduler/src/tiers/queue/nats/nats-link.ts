import type { NatsConnection } from '@nats-io/transport-node';
import { OutageLog } from '../../../common/outage-log.js';
import { redactedMessage } from '../../../common/redact.js';
import { settleWithin } from '../../../common/settle-within.js';
import { connectionOptions } from './nats-connection.js';
import { NatsDeadLetters } from './nats-dead-letters.js';
import type { NatsNames } from './nats-names.js';
import type { NatsSettings } from './nats-settings.js';
import type { NatsRuntime } from './nats-runtime.js';
import { natsJetStream, natsTransport } from './nats.module-loader.js';

export type NatsConnectionState = 'not connected' | 'connected' | 'reconnecting' | 'closed';

/**
 * The engine's one connection to NATS: connects once, follows the client's status into the outage log (the
 * client reconnects forever), and hands out the JetStream runtime the workflows share.
 */
export class NatsLink {
  readonly outage: OutageLog;
  state: NatsConnectionState = 'not connected';
  private nc?: NatsConnection;
  private runtime?: NatsRuntime;

  constructor(
    private readonly settings: NatsSettings,
    private readonly names: NatsNames,
    readonly address: string,
  ) {
    this.outage = new OutageLog(`NATS at ${address}`, 'HybridScheduler:NATS');
  }

  get connection(): NatsConnection {
    if (!this.nc) throw new Error('the nats provider is not started');
    return this.nc;
  }

  /** The runtime of a started engine; throws before start(). */
  rt(): NatsRuntime {
    if (!this.runtime) throw new Error('the nats provider is not started');
    return this.runtime;
  }

  async connect(): Promise<NatsRuntime> {
    if (this.runtime) return this.runtime;
    const nc = await natsTransport().connect(connectionOptions(this.settings.options, 'queue'));
    this.nc = nc;
    this.state = 'connected';
    void this.followStatus(nc);
    const { jetstream, jetstreamManager } = natsJetStream();
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    this.runtime = {
      js,
      jsm,
      names: this.names,
      settings: this.settings,
      deadLetters: new NatsDeadLetters(js, jsm, this.names),
    };
    return this.runtime;
  }

  /** Drains the connection (2 s at most), then closes it. */
  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.state = 'closed';
    if (nc && !(await settleWithin([nc.drain()], 2000))) await nc.close().catch(() => undefined);
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') {
        this.state = 'reconnecting';
        this.outage.fail('connection', 'is unreachable; reconnecting');
      } else if (status.type === 'reconnect') {
        this.state = 'connected';
        this.outage.ok('connection');
      } else if (status.type === 'error') {
        this.outage.note(redactedMessage(status.error));
      }
    }
  }
}
