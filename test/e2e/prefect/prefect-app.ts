import { Module, type Type } from '@nestjs/common';
import { connect, createServer, type Socket } from 'node:net';
import {
  HybridSchedulerModule,
  type HybridSchedulerModuleOptions,
  type PrefectTierOptions,
} from 'nestjs-hybrid-scheduler';
import { Test } from '@nestjs/testing';
import { bootApp, type BootedApp } from '../../support/nest-app.js';
import { freePort } from '../../support/server-process.js';

/** Fast settings for tests: a 200ms poll, short prefetch and heartbeat, short shutdown. */
export const FAST: Omit<PrefectTierOptions, 'apiUrl'> = {
  pollIntervalMs: 200,
  prefetchMs: 500,
  heartbeatIntervalMs: 1000,
  requestTimeoutMs: 2000,
  shutdownTimeoutMs: 2000,
  reconnectIntervalMs: 300,
};

/** Boots a real Nest app whose providers hold @PrefectDeployment methods, with the Prefect tier at `apiUrl`. */
export async function bootPrefectApp(
  apiUrl: string,
  providers: Type<unknown>[],
  prefect: Partial<PrefectTierOptions> = {},
  options: Omit<HybridSchedulerModuleOptions, 'prefect'> = {},
): Promise<BootedApp> {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        queue: { enabled: false },
        ...options,
        prefect: { ...FAST, apiUrl, ...prefect },
      }),
    ],
    providers,
  })
  class PrefectTestModule {}
  return bootApp(PrefectTestModule, { logger: !!process.env.DEBUG_PREFECT });
}

/** The error `app.init()` of `module` fails with (the app closed again), or null when it booted. */
export async function bootError(module: Type<unknown>): Promise<Error | null> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const error = await app.init().then(
    () => null,
    (e: Error) => e,
  );
  await app.close().catch(() => undefined);
  return error;
}

/**
 * A TCP proxy to `127.0.0.1:targetPort` on a port that refuses connections until `open()`: Prefect "down at
 * boot" while the real server (and what it scheduled meanwhile) keeps running.
 */
export async function tcpProxy(
  targetPort: number,
): Promise<{ port: number; open(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  return {
    port,
    open: () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
