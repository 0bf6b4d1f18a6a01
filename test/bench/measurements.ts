/**
 * Per-run figures the cost model needs from a real run (PutMetricData requests and log
 * bytes per run), kept per tenant count in test/bench/measurements.json by
 * `npm run bench -- --record` and read by `npm run cost`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BenchReport } from './report.js';

export const MEASUREMENTS_FILE = resolve('test/bench/measurements.json');

export interface Measurement {
  readonly tenants: number;
  readonly postgres: number;
  readonly runs: number;
  readonly putRequestsPerRun: number;
  readonly logLinesPerRun: number;
  readonly logBytesPerRun: number;
  readonly datumsPublishedPerRun: number;
  readonly uniqueMetricsPerRun: number;
  readonly dimensionValues: Readonly<Record<string, number>>;
  readonly measuredAt: string;
  readonly machine: string;
}

export type Measurements = Readonly<Record<string, Measurement>>;

export function measurementOf(report: BenchReport, now: Date): Measurement {
  const { config, total } = report;
  if (!config || !total) throw new Error('only a collection benchmark (not --bundle) has per-run figures to record');
  const m = report.machine;
  return {
    tenants: config.tenants,
    postgres: config.postgres,
    runs: config.runs,
    putRequestsPerRun: total.putRequests.median,
    logLinesPerRun: total.logLines.median,
    logBytesPerRun: total.logBytes.median,
    datumsPublishedPerRun: total.datumsPublished.median,
    uniqueMetricsPerRun: total.uniqueMetrics.max,
    dimensionValues: report.dimensionValues ?? {},
    measuredAt: now.toISOString(),
    machine: `${m.cpus} x ${m.cpuModel}, ${m.memoryMb} MB, Node.js ${m.node}`,
  };
}

export async function readMeasurements(file = MEASUREMENTS_FILE): Promise<Measurements> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Measurements;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw error;
  }
}

/** Adds (or replaces) the measurement of its tenant count; keys sorted by tenant count. */
export async function recordMeasurement(measurement: Measurement, file = MEASUREMENTS_FILE): Promise<void> {
  const all: Record<string, Measurement> = { ...(await readMeasurements(file)), [String(measurement.tenants)]: measurement };
  const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => Number(a) - Number(b)));
  await writeFile(file, `${JSON.stringify(sorted, null, 2)}\n`);
}
