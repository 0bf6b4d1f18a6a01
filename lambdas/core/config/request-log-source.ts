/**
 * The request-log SQL source (API layer): per-tenant and per-endpoint request volume and
 * the application's own request durations, read from a request-log table, without any
 * application change. The default matches the demo's `app.request_log`; point it at your
 * own table by replacing it in `sources` (README: "Metrics: API layer").
 *
 * One query, one row per (tenant, endpoint): the source engine publishes ApiRequests as
 * the total, per tenant (top N by requests, `topTenants`) and per endpoint, and
 * ApiRequestDuration as one distribution in total and per endpoint. Endpoints are capped
 * in SQL to the busiest REQUEST_LOG_TOP_ENDPOINTS of the interval, the rest counted as
 * `(other)`: a raw path with ids in it must not become thousands of metrics.
 */
import type { SourceInput } from './sources.js';

export const REQUEST_LOG_SOURCE_NAME = 'request-log';
export const REQUEST_LOG_TOP_ENDPOINTS = 20;
export const OTHER_ENDPOINTS = '(other)';
/** Requests the log holds without a tenant (e.g. sign-in). */
export const NO_TENANT = '(none)';

export const REQUEST_LOG_SOURCE: SourceInput = {
  name: REQUEST_LOG_SOURCE_NAME,
  sql: `WITH w AS (
          SELECT tenant_id, endpoint, duration_ms FROM app.request_log
          WHERE occurred_at >= {{window_start}} AND occurred_at < {{window_end}}),
        busiest AS (
          SELECT endpoint FROM w GROUP BY endpoint ORDER BY count(*) DESC, endpoint LIMIT ${REQUEST_LOG_TOP_ENDPOINTS})
        SELECT coalesce(t.schema_name, '${NO_TENANT}') AS tenant,
               CASE WHEN w.endpoint IN (SELECT endpoint FROM busiest) THEN w.endpoint ELSE '${OTHER_ENDPOINTS}' END AS endpoint,
               count(*) AS requests, array_agg(w.duration_ms) AS duration_ms
        FROM w LEFT JOIN app.tenants t ON t.id = w.tenant_id
        GROUP BY 1, 2`,
  dimensions: { Tenant: 'tenant', Endpoint: 'endpoint' },
  metrics: [
    { column: 'requests', metric: 'ApiRequests', unit: 'Count' },
    { column: 'duration_ms', metric: 'ApiRequestDuration', unit: 'Milliseconds', aggregate: 'distribution' },
  ],
};
