import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Readable } from 'node:stream';
import type { CloudTasksPushHandler } from './cloud-tasks-push.handler.js';
import { redactedMessage } from '../../../common/redact.js';

type RawRequest = {
  params?: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  raw?: Readable;
} & Partial<Readable>;

/** The body as the platform parsed it; read from the stream when no body parser ran (bodyParser: false). */
async function bodyOf(req: RawRequest): Promise<unknown> {
  if (req.body !== undefined) return req.body;
  const stream = (req.raw ?? req) as Readable;
  if (typeof stream.on !== 'function' || stream.readableEnded) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

/**
 * Mounts `POST <pushPath>/:workflow` directly on the app's HTTP adapter (Express or Fastify) instead of
 * declaring a controller: the path comes from options that forRootAsync only resolves at runtime, which a
 * decorator cannot see. It must be called during onModuleInit: Nest installs its 404 handler right after the
 * init hooks, and routes added later would never be reached. The app's global prefix does not apply.
 */
export function mountPushRoute(host: HttpAdapterHost, route: string, handler: CloudTasksPushHandler): void {
  const adapter = host.httpAdapter;
  const logger = new Logger('HybridScheduler:CloudTasksPush');
  adapter.post(route, async (req: RawRequest, res: unknown) => {
    try {
      const workflow = decodeURIComponent(req.params?.workflow ?? '');
      const response = await handler.handle({ workflow, headers: req.headers, body: await bodyOf(req) });
      adapter.reply(res, response.body, response.status);
    } catch (error) {
      // Unexpected (e.g. the dead-letter store is down): 500, so Cloud Tasks keeps the task.
      logger.error(`Push handling failed: ${redactedMessage(error)}`);
      adapter.reply(res, 'Internal error', 500);
    }
  });
  logger.log(`Cloud Tasks push endpoint: POST ${route}`);
}
