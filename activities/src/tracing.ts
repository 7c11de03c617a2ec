import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Spans of activities and connectors, through the OpenTelemetry API only: with
 * no tracer provider registered (a worker without OTEL_EXPORTER_OTLP_ENDPOINT)
 * they cost nothing and go nowhere. Attributes name engines, sides, tables and
 * counts, never values or connection strings.
 */
export const tracer = trace.getTracer('@sluice/activities');

/** Runs `fn` in a span (the current one's child), ending it with the outcome. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}
