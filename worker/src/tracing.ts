import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Where workflow spans (sent out of the sandbox through a sink) are processed too. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing for this process when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, else null: nothing is
 * installed and no span leaves the process. Spans go over OTLP/HTTP (JSON) in
 * batches; the exporter reads the other standard variables itself
 * (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`); the service is
 * `OTEL_SERVICE_NAME` or `defaultService`. Registers the tracer provider
 * globally, with async-context propagation, so spans made in activities and
 * connectors (`@opentelemetry/api`) become children of the activity's span.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env, defaultService = 'sluice-worker'): Tracing | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) return null;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || defaultService });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}
