import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, probe, ServerProcess } from './server-process.js';

export interface PrivateRabbitMq {
  /** `amqp://<user>:<password>@127.0.0.1:<port>` (default guest:guest). */
  url: string;
  port: number;
  dir: string;
  /** Graceful stop (SIGTERM: the node flushes its message store); `keepDir` keeps the data for a later start. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
  /** SIGKILL of the whole node (beam and its helpers). */
  kill(): Promise<void>;
  /** Stops gracefully and starts again on the same ports and data dir (durable queues and persistent messages survive). */
  restart(): Promise<void>;
  /** SIGSTOP (connections stay open, nothing answers); returns the thaw. */
  freeze(): () => void;
  /** The node's own log (stdout), for failure messages. */
  log(): string;
}

/** The server script itself: /usr/sbin/rabbitmq-server is a wrapper that switches to the `rabbitmq` user. */
const SERVER = ['/usr/lib/rabbitmq/bin/rabbitmq-server', '/usr/local/lib/rabbitmq/bin/rabbitmq-server'].find(
  (path) => existsSync(path),
);

/** The AMQP 0-9-1 protocol header, answered with a Connection.Start method frame (frame type 1). */
const answersAmqp = (port: number) =>
  probe(port, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (received) => received[0] === 1, 1000);

/**
 * Starts a private RabbitMQ node (Debian's rabbitmq-server 3.10) on free ports in a temp dir: its own node
 * name, AMQP and distribution ports, Mnesia and log dirs, feature-flags file, empty plugin list and config,
 * and HOME (so its Erlang cookie is its own). One Erlang scheduler thread: tests share two cores. It takes a
 * few seconds to boot, so share one node per suite file. Stop it in afterAll.
 */
export async function startRabbitMq(
  options: { bootTimeoutMs?: number; user?: string; password?: string } = {},
): Promise<PrivateRabbitMq> {
  if (!SERVER) throw new Error('rabbitmq-server is not installed (apt-get install rabbitmq-server)');
  const port = await freePort();
  let distPort = await freePort();
  while (distPort === port) distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hs-rabbitmq-'));
  const name = `hs${port}@localhost`;
  for (const sub of ['mnesia', 'log', 'home']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const user = options.user ?? 'guest';
  const password = options.password ?? 'guest';
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    `loopback_users = none\ndefault_user = ${user}\ndefault_pass = ${password}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'node.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+S 1:1 +A 2 +sbwt none +sbwtdcpu none +sbwtdio none',
  };
  const logFile = join(dir, 'node.log');
  const tail = () =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '';
  const server = new ServerProcess({
    name: `RabbitMQ node ${name} on port ${port}`,
    spawn: () => {
      const out = createWriteStream(logFile, { flags: 'a' });
      // Its own process group, so that signals reach beam.smp and its helpers, not only the shell script.
      const proc = spawn(SERVER, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout?.pipe(out);
      proc.stderr?.pipe(out);
      return proc;
    },
    ready: () => answersAmqp(port),
    bootTimeoutMs: options.bootTimeoutMs ?? 60_000,
    pollMs: 200,
    // The script exits when beam does; nothing of the group may outlive it (epmd is not in it).
    group: true,
    output: () => `its log:\n${tail()}`,
  });

  await server.start();
  return {
    url: `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    dir,
    stop: async ({ keepDir = false } = {}) => {
      await server.signal('SIGTERM');
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => server.signal('SIGKILL'),
    restart: () => server.restart(),
    freeze: () => server.freeze(),
    log: tail,
  };
}
