/**
 * The spec's KPI targets ("Key Performance Indicators"), drawn as horizontal annotations.
 * Where a KPI is also an alarm threshold the catalog rule is the source and a test keeps
 * the two equal; alarm thresholds themselves come from the deployed (possibly overridden)
 * alarms, never from here.
 */
export const Kpi = {
  /** Database: cache hit rate > 95 %. */
  CacheHitRatePercent: 95,
  /** Database: query response time p95 < 100 ms. */
  QueryLatencyP95Ms: 100,
  /** Database: connection pool utilisation < 80 %. */
  ConnectionPoolPercent: 80,
  /** API: response time p95 < 200 ms. */
  ApiP95Ms: 200,
  /** API: response time p99 < 500 ms. */
  ApiP99Ms: 500,
  /** API: error rate < 0.1 %. */
  ApiErrorRatePercent: 0.1,
  /** API: availability 99.9 %. */
  AvailabilityPercent: 99.9,
  /** Multi-tenant: schema switch time < 10 ms. */
  SchemaSwitchMs: 10,
  /** Security: failed login rate < 5 % of attempts. */
  FailedLoginRatePercent: 5,
} as const;
