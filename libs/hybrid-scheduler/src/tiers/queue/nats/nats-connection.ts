import { readFileSync } from 'node:fs';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import type { ResolvedNatsOptions } from '../../../config/module-options.js';
import { redactedMessage, rememberSecrets, rememberUrlSecrets } from '../../../common/redact.js';
import { natsJetStream, natsTransport } from './nats.module-loader.js';

/** The server URLs of `servers` (comma-separated). */
export const serverList = (servers: string): string[] =>
  servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `host:port` of every server, for messages and health (never the credentials inside a URL). */
export function natsAddress(servers: string): string {
  return serverList(servers)
    .map((server) => {
      try {
        const url = new URL(server.includes('://') ? server : `nats://${server}`);
        return `${url.hostname}:${url.port || 4222}`;
      } catch {
        return 'an invalid NATS URL';
      }
    })
    .join(',');
}

/** Client options: reconnect forever (JetStream keeps the jobs meanwhile), credentials remembered for redaction. */
export function connectionOptions(options: ResolvedNatsOptions, purpose: string): ConnectionOptions {
  for (const server of serverList(options.servers)) rememberUrlSecrets(server);
  rememberSecrets(options.pass, options.token);
  const { credsAuthenticator } = natsTransport();
  return {
    servers: serverList(options.servers),
    name: `hybrid-scheduler ${purpose}`,
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.pass !== undefined ? { pass: options.pass } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.credsFile ? { authenticator: credsAuthenticator(readFileSync(options.credsFile)) } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 5_000,
    maxPingOut: 2,
  };
}

/** Connects once (no retries) and checks that JetStream answers; a reason naming the address on failure. */
export async function probeNats(options: ResolvedNatsOptions, timeoutMs = 3000): Promise<string | undefined> {
  const address = natsAddress(options.servers);
  let nc: NatsConnection | undefined;
  try {
    nc = await natsTransport().connect({
      ...connectionOptions(options, 'probe'),
      maxReconnectAttempts: 0,
      reconnect: false,
      timeout: timeoutMs,
    });
    // Checks the JetStream API (account info): a server without -js is as unusable as none.
    await natsJetStream().jetstreamManager(nc, { timeout: timeoutMs });
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `NATS at ${address} is unreachable (${code ?? redactedMessage(error)})`;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}
