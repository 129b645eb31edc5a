import { SpanKind, trace } from '@opentelemetry/api';
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';
import { registerSdk } from '../../support/otel-sdk.js';
import { bootCloudApp, type CloudApp } from '../cloud-tasks/cloud-tasks.fixture.js';

// The trace context rides as HTTP headers of the task: the emulator pushes it back and the run joins the trace.
describe('traces on Cloud Tasks (emulator)', () => {
  let sdk: ReturnType<typeof registerSdk>;
  let emulator: CloudTasksEmulator;
  let app: CloudApp;

  beforeAll(async () => {
    sdk = registerSdk();
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
    app = await bootCloudApp(emulator, 'traced');
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
    await sdk?.shutdown();
  });

  it('the pushed run is a CONSUMER span parented by the enqueue’s PRODUCER span', async () => {
    const result = await trace
      .getTracer('test')
      .startActiveSpan('POST /invoices', async (span) =>
        app.scheduler.enqueueWorkflow('send-email', { to: 'ada@example.com' }).finally(() => span.end()),
      );
    await emulator.awaitIdle();
    const jobKey = result.id.split(':').pop();
    const [send] = sdk.spans().filter((s) => s.name === 'send send-email');
    const [process] = sdk.spans().filter((s) => s.name === 'process send-email');
    expect(send).toMatchObject({
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'gcp_cloud_tasks', 'messaging.message.id': jobKey },
    });
    expect(process).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId: send.traceId,
      parentSpanId: send.spanId,
      attributes: { 'messaging.system': 'gcp_cloud_tasks', 'messaging.message.id': jobKey },
    });
    const dispatch = emulator.dispatches().find((d) => d.taskId === jobKey)!;
    expect(dispatch.headers.traceparent).toMatch(new RegExp(`^00-${send.traceId}-${send.spanId}-0[01]$`));
  });
});
