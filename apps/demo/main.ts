import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { queuesBoardModules } from './queues/queues-board.js';

async function bootstrap(): Promise<void> {
  // abortOnError: false, so a boot error reaches the catch below instead of aborting the process.
  const boards = await queuesBoardModules();
  @Module({ imports: [AppModule, ...boards] })
  class DemoApp {}
  const app = await NestFactory.create(DemoApp, { abortOnError: false });
  // SIGTERM/SIGINT run the shutdown hooks, so running jobs finish before the process exits.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  Logger.log(
    `Demo listening on http://localhost:${port} (GET /jobs, GET /health, dashboard at /scheduler` +
      `${boards.length ? ', bull-board at /queues' : ''})`,
    'Demo',
  );
}

// A boot error (e.g. a tier that is down with `fallback: 'fail'`, or invalid options) names its culprit in its
// message: print that, not an unhandled rejection, and exit 1.
bootstrap().catch((error: unknown) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  Logger.error(`The demo could not start: ${message}`, undefined, 'Demo');
  process.exit(1);
});
