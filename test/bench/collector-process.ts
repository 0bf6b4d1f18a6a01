/**
 * The collector as Lambda runs it, in a process of its own: this driver is bundled next to
 * the collector bundle, loads it (the path comes in BENCH_COLLECTOR_BUNDLE), and invokes
 * its handler whenever the benchmark asks (IPC), like a warm Lambda environment invoked
 * every minute. It reports each run's figures and, at the end, the process's peak RSS:
 * the number Lambda bills memory by. The handler's log lines are counted on their way to
 * stdout: in Lambda each one is a CloudWatch Logs event.
 */
import { Layer } from '../../lambdas/core/catalog/index.js';
import { pathToFileURL } from 'node:url';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import type { ChildMessage, ParentMessage, RunFigures, LayerFigures } from './collector-protocol.js';

/** Lambda's timeout for the collector is 60 s on a one-minute schedule. */
const LAMBDA_TIMEOUT_MS = 60_000;
const KB = 1024;

type Handler = (event: unknown, context: unknown) => Promise<RunResult>;

const logs = { lines: 0, bytes: 0 };
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  logs.lines += 1;
  logs.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function layerFigures(result: RunResult): Record<string, LayerFigures> {
  const layers: Record<string, LayerFigures> = {};
  const layer = (name: string) => (layers[name] ??= { durationMs: 0, statements: 0, rows: 0, datums: 0, collectors: 0, failed: 0 });
  for (const c of result.collectors) {
    const l = layer(c.layer);
    l.statements += c.statements;
    l.rows += c.rows;
    l.collectors += 1;
  }
  for (const [name, t] of Object.entries(result.layers)) {
    const l = layer(name);
    l.durationMs = t?.durationMs ?? 0;
    l.failed = t?.failed ?? 0;
  }
  for (const d of result.datums) layer(d.metric.layer).datums += 1;
  // The tenant connections' statements (perTenant sources, tenant discovery) run beside the
  // collectors and belong to no collector: they are the tenants layer's work.
  const tenants = layer(Layer.Tenants);
  tenants.statements += result.tenantReads.statements;
  tenants.rows += result.tenantReads.rows;
  return layers;
}

/** Distinct CloudWatch metrics of the run (namespace, name, dimension values) and distinct values per dimension. */
function cardinality(result: RunResult): Pick<RunFigures, 'uniqueMetrics' | 'dimensionValues'> {
  const metrics = new Set<string>();
  const values = new Map<string, Set<string>>();
  for (const d of result.datums) {
    const dims = Object.entries(d.dimensions).sort(([a], [b]) => (a < b ? -1 : 1));
    metrics.add(JSON.stringify([d.metric.namespace, d.metric.name, dims]));
    for (const [name, value] of dims) {
      const seen = values.get(name) ?? new Set<string>();
      seen.add(value);
      values.set(name, seen);
    }
  }
  return { uniqueMetrics: metrics.size, dimensionValues: Object.fromEntries([...values].map(([k, v]) => [k, v.size])) };
}

async function main(): Promise<void> {
  const bundle = process.env.BENCH_COLLECTOR_BUNDLE;
  if (!bundle) throw new Error('BENCH_COLLECTOR_BUNDLE is not set');
  const started = performance.now();
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: Handler };
  send({ type: 'ready', importMs: performance.now() - started, rssKb: Math.round(process.memoryUsage().rss / KB) });
  let invocation = 0;

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'exit') {
      // The warm handler keeps sockets open (the SDK's keep-alive agent): leave explicitly.
      process.send?.({ type: 'exited', maxRssKb: process.resourceUsage().maxRSS } satisfies ChildMessage, () => process.exit(0));
      return;
    }
    void (async () => {
      invocation += 1;
      const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
      const context = { awsRequestId: `bench-${invocation}`, functionName: 'tenantwatch-bench-collector', getRemainingTimeInMillis: () => deadline - Date.now() };
      logs.lines = 0;
      logs.bytes = 0;
      const t0 = performance.now();
      const result = await handler({}, context);
      const wallMs = performance.now() - t0;
      send({
        type: 'ran',
        run: {
          wallMs, durationMs: result.durationMs, databaseUp: result.databaseUp, statements: result.statements, rows: result.rows,
          layers: layerFigures(result), datums: result.datums.length,
          collectors: result.collectors.map((c) => ({ name: c.name, layer: c.layer, status: c.status, durationMs: c.durationMs, statements: c.statements, rows: c.rows })),
          metricDatumsSent: result.publish.datumsSent, putRequests: result.publish.requests, bytesSent: result.publish.bytesSent,
          datumsLost: result.publish.datumsLost, errors: result.errors.map((e) => `${e.collector}: ${e.message}`),
          logLines: logs.lines, logBytes: logs.bytes, rssKb: Math.round(process.memoryUsage().rss / KB), heapUsedKb: Math.round(process.memoryUsage().heapUsed / KB),
          ...cardinality(result),
        },
      });
    })().catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) }));
  });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 1;
});
