/**
 * Health checks against real local HTTP and HTTPS servers on 127.0.0.1: up, slow (beyond
 * the timeout), down (closed port), HTTP 500 and an untrusted TLS certificate, each
 * publishing the right HealthCheckUp / HealthCheckLatency, in one parallel run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorContext } from '../../lambdas/collector/collector.js';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { HEALTH_CHECKS_LOG_EVENT, healthChecksCollector } from '../../lambdas/collector/collectors/api/health-checks.js';
import { ProbeOutcome, probe } from '../../lambdas/collector/collectors/api/health-probe.js';
import { HealthCheckLatency, HealthCheckUp, Namespace } from '../../lambdas/core/catalog/index.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { healthCheckSchema, type HealthCheckInput } from '../../lambdas/core/config/health-checks.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { clearRegisteredSecrets } from '../../lambdas/core/log/redact.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { freePort } from '../../lambdas/local/embedded-postgres.js';
import { selfSignedCert } from '../support/self-signed-cert.js';

const LOOPBACK = '127.0.0.1';
/** The slow route answers long after the slow check's timeout. */
const SLOW_RESPONSE_MS = 5_000;
const SHORT_TIMEOUT_MS = 200;
const PROBE_USER = 'probe-user';
const PROBE_PASSWORD = 'pr0be-s3cret-pass';
const QUERY_TOKEN = 'qs-token-7f3a9c';

function listen(server: Server | TlsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, LOOPBACK, () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | TlsServer | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A collector context that fails the test if the health-check collector touches the database. */
function contextFor(checks: readonly HealthCheckInput[], signal: AbortSignal = new AbortController().signal): CollectorContext {
  const forbidden = (what: string) => () => {
    throw new Error(`the health-check collector must not use ${what}`);
  };
  return {
    target: 'demo',
    settings: collectorSettingsSchema.parse({ target: 'demo', healthChecks: checks }),
    tenants: forbidden('tenants'),
    statementStatistics: forbidden('pg_stat_statements'),
    serverVersion: 0,
    db: { query: forbidden('the database') },
    counters: { deltas: forbidden('counters'), previous: forbidden('counters') },
    now: new Date(),
    log: createMemoryLogger(),
    signal,
    statementTimeout: forbidden('a statement timeout'),
    endTransaction: forbidden('a transaction'),
    ownReadsExcluded: false,
  };
}

function valueOf(datums: readonly Datum[], metricName: string, endpoint: string): number | undefined {
  return datums.find((d) => d.metric.name === metricName && d.dimensions.Endpoint === endpoint)?.value;
}

describe('health checks', () => {
  let http: Server;
  let https: TlsServer;
  let httpPort: number;
  let httpsPort: number;
  let closedPort: number;
  const pendingSlow = new Set<NodeJS.Timeout>();
  const authorizations: string[] = [];

  beforeAll(async () => {
    const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
      '/ok': (_req, res) => res.end('ok'),
      '/error': (_req, res) => {
        res.statusCode = 500;
        res.end('internal error');
      },
      '/no-content': (_req, res) => {
        res.statusCode = 204;
        res.end();
      },
      '/slow': (_req, res) => {
        const timer = setTimeout(() => {
          pendingSlow.delete(timer);
          res.end('late');
        }, SLOW_RESPONSE_MS);
        pendingSlow.add(timer);
      },
      '/auth': (req, res) => {
        authorizations.push(req.headers.authorization ?? '');
        res.end('ok');
      },
    };
    http = createServer((req, res) => {
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    httpPort = await listen(http);
    https = createTlsServer(selfSignedCert(), (_req, res) => res.end('ok'));
    httpsPort = await listen(https);
    // Nothing listens on this port: connection refused.
    closedPort = await freePort();
  });

  afterAll(async () => {
    for (const timer of pendingSlow) clearTimeout(timer);
    await Promise.all([close(http), close(https)]);
    clearRegisteredSecrets();
  });

  const check = (name: string, path: string, extra: Partial<HealthCheckInput> = {}) =>
    healthCheckSchema.parse({ name, url: `http://${LOOPBACK}:${httpPort}${path}`, ...extra });

  it('publishes Up 1 and a measured latency for an endpoint answering 200', async () => {
    // Act
    const result = await probe(check('api', '/ok'));
    // Assess
    expect(result).toMatchObject({ name: 'api', outcome: ProbeOutcome.Up, status: 200 });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('publishes Up 0 and no latency when the response takes longer than the timeout', async () => {
    // Act
    const result = await probe(check('slow', '/slow', { timeoutMs: SHORT_TIMEOUT_MS }));
    // Assess
    expect(result).toEqual({ name: 'slow', outcome: ProbeOutcome.Timeout });
  });

  it('publishes Up 0 when nothing listens on the port', async () => {
    // Act
    const result = await probe(healthCheckSchema.parse({ name: 'down', url: `http://${LOOPBACK}:${closedPort}/health` }));
    // Assess
    expect(result).toEqual({ name: 'down', outcome: ProbeOutcome.NetworkError, reason: 'ECONNREFUSED' });
  });

  it('publishes Up 0 with the measured latency for an HTTP 500', async () => {
    // Act
    const result = await probe(check('broken', '/error'));
    // Assess
    expect(result).toMatchObject({ name: 'broken', outcome: ProbeOutcome.UnexpectedStatus, status: 500 });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('publishes Up 0 for an untrusted (self-signed) TLS certificate', async () => {
    // Act
    const result = await probe(healthCheckSchema.parse({ name: 'tls', url: `https://${LOOPBACK}:${httpsPort}/health` }));
    // Assess
    expect(result).toEqual({ name: 'tls', outcome: ProbeOutcome.TlsError, reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('accepts exactly the configured expected status', async () => {
    // Act
    const noContentDefault = await probe(check('default', '/no-content'));
    const okButExpected204 = await probe(check('strict', '/ok', { expectedStatus: 204 }));
    const notFoundExpected = await probe(check('gone', '/missing', { expectedStatus: [404, 410] }));
    // Assess: any 2xx by default; otherwise only the listed codes.
    expect([noContentDefault.outcome, okButExpected204.outcome, notFoundExpected.outcome])
      .toEqual([ProbeOutcome.Up, ProbeOutcome.UnexpectedStatus, ProbeOutcome.Up]);
  });

  it('probes every endpoint in one run and publishes HealthCheckUp and HealthCheckLatency per endpoint', async () => {
    // Prepare
    const ctx = contextFor([
      { name: 'up', url: `http://${LOOPBACK}:${httpPort}/ok` },
      { name: 'slow', url: `http://${LOOPBACK}:${httpPort}/slow`, timeoutMs: SHORT_TIMEOUT_MS },
      { name: 'down', url: `http://${LOOPBACK}:${closedPort}/health` },
      { name: 'error', url: `http://${LOOPBACK}:${httpPort}/error` },
      { name: 'tls', url: `https://${LOOPBACK}:${httpsPort}/health` },
    ]);
    // Act
    const result = await healthChecksCollector.collect(ctx);
    // Assess
    const up = Object.fromEntries(['up', 'slow', 'down', 'error', 'tls'].map((e) => [e, valueOf(result.datums, 'HealthCheckUp', e)]));
    expect(up).toEqual({ up: 1, slow: 0, down: 0, error: 0, tls: 0 });
    const withLatency = result.datums.filter((d) => d.metric === HealthCheckLatency).map((d) => d.dimensions.Endpoint).sort();
    expect(withLatency).toEqual(['error', 'up']);
    for (const d of result.datums) {
      expect([HealthCheckUp, HealthCheckLatency]).toContain(d.metric);
      expect(d.metric.namespace).toBe(Namespace.Api);
      expect(Object.keys(d.dimensions)).toEqual(['Endpoint']);
    }
    expect(result.errors).toBeUndefined();
    expect(result.logLines?.map((l) => l.event)).toEqual([HEALTH_CHECKS_LOG_EVENT]);
  });

  it('publishes nothing for probes the collector deadline cancelled, and reports them as errors', async () => {
    // Prepare: the run's own deadline expires while the slow endpoint is still answering.
    const deadline = new AbortController();
    const ctx = contextFor([{ name: 'slow', url: `http://${LOOPBACK}:${httpPort}/slow` }], deadline.signal);
    // Act
    const pending = healthChecksCollector.collect(ctx);
    deadline.abort();
    const result = await pending;
    // Assess
    expect(result.datums).toEqual([]);
    expect(result.errors).toEqual([{ name: 'health-checks:slow', message: 'probe cancelled by the collector deadline' }]);
  });

  it('sends URL credentials but never logs them or the query string', async () => {
    // Prepare
    const url = `http://${PROBE_USER}:${PROBE_PASSWORD}@${LOOPBACK}:${httpPort}/auth?token=${QUERY_TOKEN}`;
    const ctx = contextFor([{ name: 'auth', url }]);
    const log = createMemoryLogger();
    // Act
    const result = await healthChecksCollector.collect(ctx);
    for (const line of result.logLines ?? []) log.info(line.event, line.fields);
    log.error('probe_debug', { raw: PROBE_PASSWORD });
    // Assess
    expect(valueOf(result.datums, 'HealthCheckUp', 'auth')).toBe(1);
    expect(authorizations.at(-1)).toBe(`Basic ${Buffer.from(`${PROBE_USER}:${PROBE_PASSWORD}`).toString('base64')}`);
    const text = log.lines.join('\n');
    expect(text).not.toContain(PROBE_PASSWORD);
    expect(text).not.toContain(QUERY_TOKEN);
    const [summary] = log.records();
    expect(summary?.checks).toEqual([
      expect.objectContaining({ endpoint: 'auth', url: `http://${LOOPBACK}:${httpPort}/auth`, outcome: 'up', status: 200 }),
    ]);
  });

  it('still probes, through the real runtime, when the database is unreachable', async () => {
    // Prepare
    const settings = collectorSettingsSchema.parse({ target: 'demo', healthChecks: [{ name: 'up', url: `http://${LOOPBACK}:${httpPort}/ok` }] });
    const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    // Act
    const run = await runCollection({
      settings, collectors: allCollectors, sink: createLocalSink(), log: createMemoryLogger(), connect: refused, openStateStore: refused,
    });
    // Assess
    expect([valueOf(run.datums, 'HealthCheckUp', 'up'), run.databaseUp]).toEqual([1, false]);
    expect(run.collectors.map((c) => [c.name, c.status])).toEqual([['health-checks', 'ok']]);
  });

  it('is registered with the collectors the runtime runs', () => {
    expect(allCollectors).toContain(healthChecksCollector);
  });
});
