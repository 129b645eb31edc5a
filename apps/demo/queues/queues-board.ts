import { Logger, type DynamicModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The demo's queued workflows (workflows/data.workflows.ts): bull-board shows their BullMQ queues. */
const WORKFLOW_QUEUES = ['database-backup', 'report-export'];

/** bull-board has no login: like the dashboard without `authorize`, the demo serves it to loopback clients only. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const loopbackOnly = (req: Request, res: Response, next: NextFunction): void => {
  if (LOOPBACK.test(req.socket.remoteAddress ?? '')) return next();
  res.status(403).send('bull-board answers loopback clients only in the demo');
};

/** ioredis options from a `redis://` / `rediss://` URL, as BullModule.forRoot() takes them. */
function redisOptions(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * With REDIS_URL: @nestjs/bullmq's BullModule on the same Redis and key prefix as the queue tier, the workflow
 * queues registered with it (so `@InjectQueue('<workflow>')` would inject them), and bull-board at /queues.
 * Without it: nothing (the queues are in memory). The packages are imported only then, at boot.
 */
export async function queuesBoardModules(env: NodeJS.ProcessEnv = process.env): Promise<DynamicModule[]> {
  const url = env.HYBRID_SCHEDULER_REDIS_URL ?? env.REDIS_URL;
  if (!url) return [];
  // One after the other: bull-board is CommonJS requiring ESM @nestjs/bull-shared, which parallel import()s
  // could leave half-loaded ("Unexpected module status").
  const { BullModule } = await import('@nestjs/bullmq');
  const { BullBoardModule } = await import('@bull-board/nestjs');
  const { ExpressAdapter } = await import('@bull-board/express');
  const { BullMQAdapter } = await import('@bull-board/api/bullMQAdapter');
  const { Queue } = await import('bullmq');
  /** Logs a connection error once per message (as the queue tier does), instead of BullMQ printing each one. */
  class DemoQueue extends Queue {
    constructor(...args: ConstructorParameters<typeof Queue>) {
      super(...args);
      const seen = new Set<string>();
      this.on('error', (error: Error) => {
        if (seen.has(error.message)) return;
        seen.add(error.message);
        Logger.warn(`bull-board's queue "${this.name}": ${error.message}`, 'Demo');
      });
    }
  }
  BullModule.queueClass = DemoQueue;
  return [
    // The queue tier's prefix: HYBRID_SCHEDULER_QUEUE_PREFIX, default `hybrid` (queue.bullmq.prefix).
    BullModule.forRoot({
      connection: redisOptions(url),
      prefix: env.HYBRID_SCHEDULER_QUEUE_PREFIX ?? 'hybrid',
    }),
    BullModule.registerQueue(...WORKFLOW_QUEUES.map((name) => ({ name }))),
    BullBoardModule.forRoot({ route: '/queues', adapter: ExpressAdapter, middleware: loopbackOnly }),
    ...WORKFLOW_QUEUES.map((name) => BullBoardModule.forFeature({ name, adapter: BullMQAdapter })),
  ];
}
