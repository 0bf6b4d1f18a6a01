/**
 * Metric declarations: every metric tenantwatch publishes or alarms on is declared once,
 * as data, with `metric()` (ours) or `awsMetric()` (published by AWS, never by us).
 * Collectors, the CDK alarm factory, the dashboards and the local runner all read these
 * objects, so a name or a dimension can never drift between publisher and consumer.
 */

export const Namespace = {
  Database: 'TenantWatch/Database',
  Api: 'TenantWatch/Api',
  Tenants: 'TenantWatch/Tenants',
  Security: 'TenantWatch/Security',
  Collector: 'TenantWatch/Collector',
} as const;
export type Namespace = (typeof Namespace)[keyof typeof Namespace];

/** The namespaces the collector's IAM policy may publish to (cloudwatch:namespace condition). */
export const publishableNamespaces: readonly Namespace[] = Object.values(Namespace);

export const Layer = {
  Database: 'database',
  Api: 'api',
  Tenants: 'tenants',
  Security: 'security',
  Collector: 'collector',
} as const;
export type Layer = (typeof Layer)[keyof typeof Layer];

/** Dimension names. A query id or a user id is never a dimension (unbounded cardinality). */
export const Dimension = {
  Database: 'Database',
  Tenant: 'Tenant',
  State: 'State',
  ApplicationName: 'ApplicationName',
  Flag: 'Flag',
  Endpoint: 'Endpoint',
  Collector: 'Collector',
  // AWS-owned dimensions
  LoadBalancer: 'LoadBalancer',
  TargetGroup: 'TargetGroup',
  DBInstanceIdentifier: 'DBInstanceIdentifier',
  DBClusterIdentifier: 'DBClusterIdentifier',
} as const;
export type Dimension = (typeof Dimension)[keyof typeof Dimension];

/** CloudWatch StandardUnit values that tenantwatch uses. */
export type Unit =
  | 'Percent'
  | 'Count'
  | 'Count/Second'
  | 'Milliseconds'
  | 'Seconds'
  | 'Bytes'
  | 'Bytes/Second'
  | 'None';

export interface MetricDef<
  N extends string = string,
  D extends string = string,
  S extends readonly (readonly D[])[] = readonly (readonly D[])[],
> {
  readonly namespace: string;
  readonly name: N;
  readonly unit: Unit;
  /**
   * The dimension sets this metric is published with. CloudWatch treats each set as a
   * distinct metric: alarms use the first (the aggregate), per-tenant or per-state views
   * use the others.
   */
  readonly dimensionSets: S;
  readonly layer: Layer;
  readonly description: string;
  /** true for metrics tenantwatch publishes; false for AWS-owned ones (AWS/RDS, AWS/ApplicationELB). */
  readonly publishable: boolean;
}

/** A metric tenantwatch publishes. */
export interface OwnMetric<
  N extends string = string,
  D extends string = string,
  S extends readonly (readonly D[])[] = readonly (readonly D[])[],
> extends MetricDef<N, D, S> {
  readonly namespace: Namespace;
  readonly publishable: true;
}

/** A metric AWS publishes; usable by alarms and dashboards, never by collectors. */
export interface AwsMetric<N extends string = string, D extends string = string>
  extends MetricDef<N, D> {
  readonly publishable: false;
}

export function metric<
  const N extends string,
  const D extends Dimension,
  const S extends readonly (readonly D[])[],
>(def: {
  namespace: Namespace;
  name: N;
  unit: Unit;
  dimensionSets: S;
  layer: Layer;
  description: string;
}): OwnMetric<N, D, S> {
  return { ...def, publishable: true };
}

export function awsMetric<const N extends string, const D extends Dimension>(def: {
  namespace: `AWS/${string}`;
  name: N;
  unit: Unit;
  dimensionSets: readonly (readonly D[])[];
  layer: Layer;
  description: string;
}): AwsMetric<N, D> {
  return { ...def, publishable: false };
}

/** The dimension record a datum of metric M must carry: exactly one of its dimension sets. */
export type DimensionsOf<M extends MetricDef> = M['dimensionSets'][number] extends infer Set
  ? Set extends readonly string[]
    ? { readonly [K in Set[number]]: string }
    : never
  : never;
