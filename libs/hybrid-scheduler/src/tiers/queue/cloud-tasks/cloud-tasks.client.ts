import type { CloudTasksClient } from '@google-cloud/tasks';
import type { OAuth2Client } from 'google-auth-library';
import { TierUnavailableError } from '../../../errors/index.js';
import type { CloudTasksProviderOptions } from '../../../config/module-options.js';

// The Google packages are optional peers: loaded on first use, so apps without Cloud Tasks never need them.
async function load<T>(name: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (error) {
    throw new TierUnavailableError(
      `queue.provider 'cloud-tasks' needs the package "${name}" (npm install @google-cloud/tasks google-auth-library): ` +
        (error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
}

/**
 * The official client. Against an emulator: host and port separately (a port inside apiEndpoint dials 443),
 * insecure credentials from google-gax's own grpc-js copy (a second copy is rejected), and an explicit
 * universe domain so no metadata-server lookup happens.
 */
export async function createCloudTasksClient(options: CloudTasksProviderOptions): Promise<CloudTasksClient> {
  const { CloudTasksClient } = await load('@google-cloud/tasks', () => import('@google-cloud/tasks'));
  if (!options.emulator) return new CloudTasksClient({ projectId: options.projectId });
  const { grpc } = await load('google-gax', () => import('google-gax'));
  return new CloudTasksClient({
    apiEndpoint: options.emulator.host,
    port: options.emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: options.projectId,
  });
}

/** The token verifier; `oidc.certsUrl`/`oidc.issuers` only point it at an emulator's keys. */
export async function createOidcClient(options: CloudTasksProviderOptions): Promise<OAuth2Client> {
  const { OAuth2Client } = await load('google-auth-library', () => import('google-auth-library'));
  return new OAuth2Client({
    ...(options.oidc?.certsUrl
      ? { endpoints: { oauth2FederatedSignonPemCertsUrl: options.oidc.certsUrl } }
      : {}),
    ...(options.oidc?.issuers ? { issuers: options.oidc.issuers } : {}),
  });
}

/** gRPC status of a client error (google-gax errors carry `code`). */
export const grpcCode = (error: unknown): number | undefined =>
  typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;

export const GRPC = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
