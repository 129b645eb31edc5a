import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** What a test compares of a finished span. */
export interface SpanView {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: string[];
}

export const viewOf = (span: ReadableSpan): SpanView => ({
  name: span.name,
  kind: span.kind,
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  status: span.status,
  attributes: { ...span.attributes },
  events: span.events.map((e) => e.name),
});

/**
 * The real OpenTelemetry SDK as an app registers it: a tracer provider, the AsyncLocalStorage context manager and
 * the W3C propagator, with `onEnd` called for each finished span (and the in-memory exporter holding them).
 */
export function registerSdk(onEnd?: (span: ReadableSpan) => void): {
  exporter: InMemorySpanExporter;
  spans(): SpanView[];
  shutdown(): Promise<void>;
} {
  const exporter = new InMemorySpanExporter();
  const processors = [new SimpleSpanProcessor(exporter)];
  const provider = new BasicTracerProvider({
    spanProcessors: onEnd
      ? [
          ...processors,
          {
            onStart: () => undefined,
            onEnd,
            forceFlush: async () => undefined,
            shutdown: async () => undefined,
          },
        ]
      : processors,
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    exporter,
    spans: () => exporter.getFinishedSpans().map(viewOf),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
