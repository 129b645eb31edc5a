import { Injectable, Module, type INestApplication, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { HybridScheduler, InternalTask } from 'nestjs-hybrid-scheduler';
import { AppModule } from '../../../apps/demo/app.module.js';

/** A job that ticks every second, so that pausing it shows missed ticks within a test's time. */
@Injectable()
export class FastTick {
  @InternalTask({ name: 'dashboard-tick', every: '1s' })
  tick(): void {}
}

/** The demo app (which mounts the dashboard at /scheduler) plus the fast job. */
@Module({ imports: [AppModule], providers: [FastTick] })
export class DemoWithFastTick {}

const ENGINE_ENV = /^(HYBRID_SCHEDULER_|PREFECT_)|^(REDIS|AMQP|NATS)_URL$/;

export interface ServedApp {
  app: INestApplication;
  scheduler: HybridScheduler;
  /** `http://<host>:<port>` */
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** Boots `module` with `env` applied (engine variables cleared first) and serves it over HTTP on `host`. */
export async function serveApp(
  module: Type<unknown>,
  env: Record<string, string> = {},
  host = '127.0.0.1',
): Promise<ServedApp> {
  for (const key of Object.keys(process.env)) if (ENGINE_ENV.test(key)) delete process.env[key];
  Object.assign(process.env, env);
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: process.env.DEBUG_DASHBOARD ? undefined : false });
  await app.listen(0, host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    scheduler: app.get(HybridScheduler),
    origin: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () => app.close(),
  };
}
