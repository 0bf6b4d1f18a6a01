/**
 * Layer 2: the API, without application changes. Latency, throughput and errors come from
 * the load balancer (AWS/ApplicationELB, see aws.ts); tenantwatch adds health probes and
 * an optional request-log SQL source.
 */
import { Dimension as D, Layer, Namespace, metric } from './metric.js';

const base = { namespace: Namespace.Api, layer: Layer.Api } as const;

export const HealthCheckUp = metric({
  ...base, name: 'HealthCheckUp', unit: 'None', dimensionSets: [[D.Endpoint]] as const,
  description: '1 when the configured health URL answered 2xx (or its configured expected status) within its timeout, else 0. Its average is availability (SLO 99.9 %).',
});

export const HealthCheckLatency = metric({
  ...base, name: 'HealthCheckLatency', unit: 'Milliseconds', dimensionSets: [[D.Endpoint]] as const,
  description: 'Time to the health URL response (only published when a response arrived).',
});

export const ApiRequests = metric({
  ...base, name: 'ApiRequests', unit: 'Count',
  dimensionSets: [[D.Database], [D.Database, D.Tenant], [D.Database, D.Endpoint]] as const,
  description: 'Requests over the interval from the optional request-log SQL source: total, top-N tenants, top endpoints.',
});

export const ApiRequestDuration = metric({
  ...base, name: 'ApiRequestDuration', unit: 'Milliseconds',
  dimensionSets: [[D.Database], [D.Database, D.Endpoint]] as const,
  description: 'Durations the application recorded in its request log over the interval, as a distribution (p50/p95/p99 per endpoint); the optional request-log SQL source. The load balancer cannot break latency down by endpoint.',
});
