import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fromJSON } from '@grpc/proto-loader';
import { grpc } from 'google-gax';

/**
 * The CloudTasks v2 service definition, built from the `protos.json` that `@google-cloud/tasks` ships, so the
 * emulator speaks exactly the wire protocol of the client under test. The package's `exports` map hides
 * deep paths, hence the walk up from its CommonJS entry (build/cjs/src/index.cjs).
 */
export function loadCloudTasksService(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url);
  const packageRoot = resolve(dirname(require.resolve('@google-cloud/tasks')), '../../..');
  const json = JSON.parse(readFileSync(resolve(packageRoot, 'build/protos/protos.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  // Absent fields stay undefined (defaults: false) so "not set" can be told from zero.
  const definition = fromJSON(json, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { tasks: { v2: { CloudTasks: { service: grpc.ServiceDefinition } } } } };
  };
  return loaded.google.cloud.tasks.v2.CloudTasks.service;
}
