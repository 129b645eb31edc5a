import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, probe, ServerProcess } from './server-process.js';

export interface PrivateNats {
  /** `nats://[user:pass@]127.0.0.1:<port>` (credentials when started with `auth`). */
  url: string;
  port: number;
  /** JetStream's store directory (file storage), kept across restart(). */
  dir: string;
  /** Graceful stop (SIGTERM) and removal of the store directory. */
  stop(): Promise<void>;
  /** SIGKILL: no goodbye; what JetStream wrote stays in `dir`. */
  kill(): Promise<void>;
  /** Starts again on the same port and store directory. */
  restart(): Promise<void>;
  /** SIGSTOP (connections stay open, nothing answers); returns the thaw. */
  freeze(): () => void;
}

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((path) =>
  existsSync(path),
);

/** The client protocol: CONNECT (with the credentials when `auth`) and PING, answered with PONG. */
const answersPing = (port: number, auth?: { user: string; pass: string }) => {
  const connect = JSON.stringify({ verbose: false, ...(auth ? { user: auth.user, pass: auth.pass } : {}) });
  return probe(port, `CONNECT ${connect}\r\nPING\r\n`, (received) => received.includes('PONG'));
};

/**
 * Starts a private `nats-server -js -p <free port> -sd <tmpdir>` (never the shared one on 4222), with a user and
 * password when `auth` is given, and waits until it answers. One per suite file; stop it in afterAll.
 */
export async function startNats(auth?: { user: string; pass: string }): Promise<PrivateNats> {
  if (!BINARY) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hs-nats-'));
  let stderr = '';
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  if (auth) args.push('--user', auth.user, '--pass', auth.pass);
  const server = new ServerProcess({
    name: `nats-server on port ${port}`,
    spawn: () => {
      const proc = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      return proc;
    },
    ready: () => answersPing(port, auth),
    bootTimeoutMs: 10_000,
    pollMs: 20,
    output: () => stderr,
  });

  await server.start();
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return {
    url: `nats://${credentials}127.0.0.1:${port}`,
    port,
    dir,
    stop: async () => {
      await server.signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => server.signal('SIGKILL'),
    restart: () => server.restart(),
    freeze: () => server.freeze(),
  };
}
