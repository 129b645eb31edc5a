import { readFileSync } from 'node:fs';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import type { ResolvedNatsOptions } from '../../../config/module-options.js';
import { redactedMessage, rememberSecrets, rememberUrlSecrets } from '../../../common/redact.js';
import { urlList } from '../../../config/url-value.js';
import { natsJetStream, natsTransport } from './nats.module-loader.js';

type Servers = ResolvedNatsOptions['servers'];

/** `host:port` of every server, for messages and health (never the credentials inside a URL). */
export function natsAddress(servers: Servers): string {
  return urlList(servers)
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

/**
 * The servers without credentials, and the credentials of the first URL that has any: `user:pass@` gives user and
 * password, a lone `token@` a token (the client does not read credentials from URLs itself).
 */
function splitCredentials(servers: Servers): {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
} {
  const found: { user?: string; pass?: string; token?: string } = {};
  const bare = urlList(servers).map((server) => {
    try {
      const url = new URL(server.includes('://') ? server : `nats://${server}`);
      if (!url.username && !url.password) return server;
      if (found.user === undefined && found.token === undefined) {
        if (url.password) {
          found.user = decodeURIComponent(url.username);
          found.pass = decodeURIComponent(url.password);
        } else found.token = decodeURIComponent(url.username);
      }
      return `${url.protocol}//${url.host}`;
    } catch {
      return server;
    }
  });
  return { servers: bare, ...found };
}

/** Client options: reconnect forever (JetStream keeps the jobs meanwhile), credentials remembered for redaction. */
export function connectionOptions(options: ResolvedNatsOptions, purpose: string): ConnectionOptions {
  for (const server of urlList(options.servers)) rememberUrlSecrets(server);
  const fromUrl = splitCredentials(options.servers);
  const user = options.user ?? fromUrl.user;
  const pass = options.pass ?? fromUrl.pass;
  const token = options.token ?? fromUrl.token;
  rememberSecrets(pass, token);
  const { credsAuthenticator } = natsTransport();
  return {
    servers: fromUrl.servers,
    name: `hybrid-scheduler ${purpose}`,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(options.credsFile ? { authenticator: credsAuthenticator(readFileSync(options.credsFile)) } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 5_000,
    maxPingOut: 2,
    // Each request (every publish awaits its PubAck) would otherwise build two Error objects for their stack
    // traces: about 40 % of a producer's CPU. Our errors name the operation themselves.
    noAsyncTraces: true,
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
    const message = redactedMessage(error);
    // Wrong user/password/token is not an outage: say so (never echoing what was sent).
    if (error instanceof natsTransport().AuthorizationError || /authorization/i.test(message))
      return `NATS at ${address} refused the credentials: authentication failed (${message})`;
    return `NATS at ${address} is unreachable (${message})`;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}
