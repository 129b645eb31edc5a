import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

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
}

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((path) =>
  existsSync(path),
);

/** Resolves true when the server greets with INFO and answers PING with PONG (the client protocol). */
function ping(port: number, auth?: { user: string; pass: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    const connect = JSON.stringify({ verbose: false, ...(auth ? { user: auth.user, pass: auth.pass } : {}) });
    socket.connect(port, '127.0.0.1', () => socket.write(`CONNECT ${connect}\r\nPING\r\n`));
    socket.on('data', (data) => {
      seen += data.toString();
      if (seen.includes('PONG')) done(true);
    });
  });
}

/**
 * Starts a private `nats-server -js -p <free port> -sd <tmpdir>` (never the shared one on 4222), with a user and
 * password when `auth` is given, and waits until it answers. One per suite file; stop it in afterAll.
 */
export async function startNats(auth?: { user: string; pass: string }): Promise<PrivateNats> {
  if (!BINARY) throw new Error('nats-server is not installed (apt-get install nats-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hs-nats-'));
  let child: ChildProcess | undefined;
  let stderr = '';

  const launch = async () => {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
    if (auth) args.push('--user', auth.user, '--pass', auth.pass);
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let exited = false;
    proc.once('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!(await ping(port, auth))) {
      if (exited || Date.now() > deadline)
        throw new Error(`nats-server on port ${port} did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  await launch();
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return {
    url: `nats://${credentials}127.0.0.1:${port}`,
    port,
    dir,
    stop: async () => {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
