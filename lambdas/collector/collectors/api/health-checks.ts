/**
 * The health-check collector: probes the configured endpoints in parallel and publishes
 * HealthCheckUp (0/1) and HealthCheckLatency per endpoint. The hourly average of
 * HealthCheckUp is the availability the 99.9 % SLO alarm watches. It needs no database
 * connection: the API can be down while the database is up, and the other way round.
 */
import { HealthCheckLatency, HealthCheckUp, Layer } from '../../../core/catalog/index.js';
import { MAX_HEALTH_CHECK_TIMEOUT_MS, type HealthCheck } from '../../../core/config/health-checks.js';
import { datum, type Datum } from '../../../core/metrics/datum.js';
import { collector, type CollectorLogLine, type CollectorResult } from '../../collector.js';
import { ProbeOutcome, describeUrl, probeAll, type ProbeResult } from './health-probe.js';

export const HEALTH_CHECKS_COLLECTOR = 'health-checks';
/** Room for the slowest allowed probe plus connection set-up and scheduling. */
const TIMEOUT_MARGIN_MS = 2_000;
export const HEALTH_CHECKS_TIMEOUT_MS = MAX_HEALTH_CHECK_TIMEOUT_MS + TIMEOUT_MARGIN_MS;
/** The structured log line with every probe's outcome, once per run. */
export const HEALTH_CHECKS_LOG_EVENT = 'health_checks';
const LATENCY_DECIMALS = 1;

const UP = 1;
const DOWN = 0;

/**
 * Results to datums. A probe cancelled by the collector's own deadline publishes nothing
 * (it would blame the endpoint for the monitor's slowness) and is reported as an error.
 */
export function healthCheckResult(checks: readonly HealthCheck[], results: readonly ProbeResult[]): CollectorResult {
  const datums: Datum[] = [];
  const errors: { name: string; message: string }[] = [];
  for (const r of results) {
    const dimensions = { Endpoint: r.name };
    if (r.outcome === ProbeOutcome.Cancelled) {
      errors.push({ name: `${HEALTH_CHECKS_COLLECTOR}:${r.name}`, message: 'probe cancelled by the collector deadline' });
      continue;
    }
    datums.push(datum(HealthCheckUp, dimensions, r.outcome === ProbeOutcome.Up ? UP : DOWN));
    if (r.latencyMs !== undefined) datums.push(datum(HealthCheckLatency, dimensions, r.latencyMs));
  }
  const urlByName = new Map(checks.map((c) => [c.name, describeUrl(c.url)]));
  const line: CollectorLogLine = {
    event: HEALTH_CHECKS_LOG_EVENT,
    fields: {
      checks: results.map((r) => ({
        endpoint: r.name,
        url: urlByName.get(r.name),
        outcome: r.outcome,
        ...(r.status === undefined ? {} : { status: r.status }),
        ...(r.latencyMs === undefined ? {} : { latency_ms: Number(r.latencyMs.toFixed(LATENCY_DECIMALS)) }),
        ...(r.reason === undefined ? {} : { reason: r.reason }),
      })),
    },
  };
  return { datums, logLines: results.length > 0 ? [line] : [], ...(errors.length > 0 ? { errors } : {}) };
}

export const healthChecksCollector = collector({
  name: HEALTH_CHECKS_COLLECTOR,
  layer: Layer.Api,
  timeoutMs: HEALTH_CHECKS_TIMEOUT_MS,
  usesDatabase: false,
  async collect(ctx) {
    const checks = ctx.settings.healthChecks;
    if (checks.length === 0) return { datums: [] };
    return healthCheckResult(checks, await probeAll(checks, ctx.signal));
  },
});
