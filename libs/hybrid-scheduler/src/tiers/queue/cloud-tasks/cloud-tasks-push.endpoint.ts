import type { HttpAdapterHost } from '@nestjs/core';
import type { DeadLetterStore } from '../dead-letter-store.interface.js';
import type { QueueRetry } from './cloud-tasks-backoff.js';
import { createOidcClient } from './cloud-tasks.client.js';
import { CloudTasksOidcVerifier } from './cloud-tasks-oidc.verifier.js';
import { CloudTasksPushHandler, type PushTarget } from './cloud-tasks-push.handler.js';
import { mountPushRoute } from './cloud-tasks-push.route.js';
import type { CloudTasksSettings } from './cloud-tasks.settings.js';

/** What the push endpoint reads from the engine while it serves pushes. */
export interface PushEndpointDeps {
  httpAdapterHost?: HttpAdapterHost;
  deadLetters: DeadLetterStore;
  target(workflow: string): PushTarget | undefined;
  known(): string[];
  queueRetry(): QueueRetry;
  accepting(): boolean;
  signal: AbortSignal;
  track<T>(work: Promise<T>): Promise<T>;
}

/**
 * The worker side of Cloud Tasks: the OIDC verifier and the push handler, mounted once on the app's HTTP
 * server. Mounting has to happen during onModuleInit (see mountPushRoute), which is why the engine calls
 * `mount()` from its probe.
 */
export class CloudTasksPushEndpoint {
  private mounted = false;

  constructor(
    private readonly settings: CloudTasksSettings,
    private readonly deps: PushEndpointDeps,
  ) {}

  /** Why this process cannot serve pushes, or undefined when it can. */
  problem(): string | undefined {
    if (!this.settings.options.serviceAccountEmail)
      return 'queue.cloudTasks.serviceAccountEmail is required: the push endpoint only runs tasks whose OIDC token was minted for that account';
    if (!this.deps.httpAdapterHost?.httpAdapter)
      return "Cloud Tasks pushes need an HTTP server: create the app with NestFactory.create(), not createApplicationContext(), or use roles: ['producer']";
    return undefined;
  }

  async mount(): Promise<void> {
    const { httpAdapterHost, ...handlerDeps } = this.deps;
    const email = this.settings.options.serviceAccountEmail;
    if (this.mounted || !httpAdapterHost || !email) return;
    const verifier = new CloudTasksOidcVerifier(
      await createOidcClient(this.settings.options),
      this.settings.audience,
      email,
    );
    mountPushRoute(
      httpAdapterHost,
      this.settings.route,
      new CloudTasksPushHandler({ verifier, ...handlerDeps }),
    );
    this.mounted = true;
  }
}
