import type { LoggerService, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthIndicator, HybridSchedulerHealthModule } from 'nestjs-hybrid-scheduler/health';

/** Every line the app logs, at every level, as text. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private push(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest]
      .map((part) =>
        part instanceof Error
          ? `${part.message}\n${part.stack}`
          : typeof part === 'string'
            ? part
            : JSON.stringify(part),
      )
      .join(' ');
    this.lines.push(`${level} ${text}`);
  }
  log = (message: unknown, ...rest: unknown[]) => this.push('LOG', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.push('ERROR', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.push('WARN', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.push('DEBUG', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.push('VERBOSE', message, rest);
  fatal = (message: unknown, ...rest: unknown[]) => this.push('FATAL', message, rest);
}

/** What a case can do with its running app; everything it records is scanned. */
export interface LeakProbe {
  scheduler: HybridScheduler;
  /** The app's public base URL (`http://127.0.0.1:<port>`): the app listens on a real HTTP server. */
  baseUrl: string;
  logger: CapturingLogger;
  /** `/health` as a user would read it: every tier's indicator output, recorded. */
  health(): Promise<Record<string, unknown>>;
  /** Runs `fn`; a thrown error's message and stack are recorded (and swallowed). */
  attempt(fn: () => Promise<unknown>): Promise<void>;
  /** Records any other text a user would see. */
  record(text: string): void;
}

/**
 * One way a user can put a secret into the library's hands. `prepare` starts what the case needs (a private
 * redis-server, an emulator) and returns the secrets that must never appear, the module options' imports, and
 * what to do with the app (stop the engine, send a bad push, …). Add a case per engine in its own file under
 * test/e2e/secrets/ and list it in secrets.e2e-spec.ts.
 */
export interface SecretCase {
  name: string;
  /** `baseUrl` is where the app will listen (`http://127.0.0.1:<port>`), for options that need it. */
  prepare(env: { baseUrl: string }): Promise<PreparedSecretCase>;
}

export interface PreparedSecretCase {
  secrets: string[];
  /** `HybridSchedulerModule.forRoot(...)` and the providers with decorated methods. */
  imports: NonNullable<Parameters<typeof Module>[0]>['imports'];
  providers?: Type<unknown>[];
  /** What to do with the running app so that it logs, fails and reports (stop the engine, …). */
  exercise?(probe: LeakProbe): Promise<void>;
  /** Assertions on the collected text besides "no secret" (e.g. the reason names the failure). */
  expectText?(text: string): void;
  cleanup(): Promise<void>;
}

/**
 * Prepares the case, boots its app on a real HTTP server with a capturing logger, exercises it, and returns
 * every text a user could see (logs, health, error messages) with the case's secrets and checks.
 */
export async function runSecretCase(
  secretCase: SecretCase,
): Promise<{ text: string; prepared: PreparedSecretCase }> {
  const adapter = new ExpressAdapter();
  const server: Server = createServer(adapter.getInstance());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const prepared = await secretCase.prepare({ baseUrl });
  try {
    return { text: await collectOutput(prepared, adapter, baseUrl), prepared };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await prepared.cleanup();
  }
}

async function collectOutput(
  prepared: PreparedSecretCase,
  adapter: ExpressAdapter,
  baseUrl: string,
): Promise<string> {
  const logger = new CapturingLogger();
  const recorded: string[] = [];
  const record = (error: unknown) =>
    recorded.push(error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error));

  @Module({
    imports: [...(prepared.imports ?? []), TerminusModule, HybridSchedulerHealthModule],
    providers: prepared.providers ?? [],
  })
  class LeakModule {}

  const app = (await Test.createTestingModule({ imports: [LeakModule] }).compile()).createNestApplication(
    adapter,
    { logger },
  );
  try {
    await app.init();
  } catch (error) {
    record(error);
    await app.close().catch(record);
    return [...logger.lines, ...recorded].join('\n');
  }
  const indicator = app.get(HybridSchedulerHealthIndicator);
  const probe: LeakProbe = {
    scheduler: app.get(HybridScheduler),
    baseUrl,
    logger,
    health: async () => {
      const all: Record<string, unknown> = {};
      for (const tier of ['internal', 'queue', 'prefect'] as const) {
        const result = await indicator.isHealthy(tier).catch((error: unknown) => ({ error: String(error) }));
        Object.assign(all, result);
      }
      recorded.push(JSON.stringify(all));
      return all;
    },
    attempt: async (fn) => {
      try {
        await fn();
      } catch (error) {
        record(error);
      }
    },
    record: (text) => recorded.push(text),
  };
  try {
    await probe.health();
    await probe.attempt(async () => recorded.push(JSON.stringify(await probe.scheduler.listJobs())));
    await prepared.exercise?.(probe);
    await probe.health();
  } finally {
    await app.close().catch(record);
  }
  return [...logger.lines, ...recorded].join('\n');
}
