/** Messages between the benchmark and the collector process (collector-process.ts). */

export interface LayerFigures {
  /** Sum of the layer's collector durations. */
  durationMs: number;
  statements: number;
  rows: number;
  /** Catalog datums handed to the sink. */
  datums: number;
  collectors: number;
  failed: number;
}

export interface CollectorFigures {
  readonly name: string;
  readonly layer: string;
  readonly status: string;
  readonly durationMs: number;
  readonly statements: number;
  readonly rows: number;
}

/** One invocation of the handler. */
export interface RunFigures {
  /** Around the handler call: what Lambda bills. */
  readonly wallMs: number;
  /** The runtime's own connect-to-published time. */
  readonly durationMs: number;
  readonly databaseUp: boolean;
  readonly statements: number;
  readonly rows: number;
  readonly layers: Readonly<Record<string, LayerFigures>>;
  readonly collectors: readonly CollectorFigures[];
  readonly datums: number;
  /** MetricDatum entries delivered (a distribution over 150 values is split). */
  readonly metricDatumsSent: number;
  readonly putRequests: number;
  readonly bytesSent: number;
  readonly datumsLost: number;
  readonly errors: readonly string[];
  /** Structured log lines the run wrote (each one a CloudWatch Logs event in Lambda) and their bytes. */
  readonly logLines: number;
  readonly logBytes: number;
  /** Resident set and V8 heap in use right after the run. */
  readonly rssKb: number;
  readonly heapUsedKb: number;
  /** Distinct (namespace, metric, dimension values) of the run: custom metrics in CloudWatch's sense. */
  readonly uniqueMetrics: number;
  /** Distinct values per dimension name. */
  readonly dimensionValues: Readonly<Record<string, number>>;
}

export type ParentMessage = { readonly type: 'run' } | { readonly type: 'exit' };

export type ChildMessage =
  | { readonly type: 'ready'; readonly importMs: number; readonly rssKb: number }
  | { readonly type: 'ran'; readonly run: RunFigures }
  | { readonly type: 'exited'; readonly maxRssKb: number }
  | { readonly type: 'failed'; readonly message: string };
