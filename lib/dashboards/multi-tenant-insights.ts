/** Dashboard 3, Multi-Tenant Insights: Layer 3 of one database target. */
import {
  ActiveSessions, ActiveTenants, ActiveUsers, ApiRequests, PayrollRunsCompleted, PayrollRunsFailed, PayrollRunsInProgress,
  SchemaSwitchTime, TenantCount, TenantTuplesRead, TenantTuplesWritten,
} from '../../lambdas/core/catalog/index.js';
import { thresholdLines } from './annotations.js';
import { Kpi } from './kpis.js';
import { type DashboardTarget, type DashboardsInput, dashboardName } from './input.js';
import { Axis, type DashboardSpec, SpecItem, type Widget } from './model.js';
import { headerWidget } from './segments/header.js';
import { DAY, FIVE_MINUTES, expressionSeries, graph, metricSeries, metricsGraph, searchSeries } from './series.js';

const TOP_TENANTS = 10;
const PERCENT = 100;
const GROWTH_RANGE = '-P90D';

export function multiTenantInsights(input: DashboardsInput, target: DashboardTarget): DashboardSpec {
  const db = { Database: target.name };
  const activeGauge: Widget = {
    kind: 'gauge', id: 'active-tenants-gauge', specItem: SpecItem.ActiveTenantsGauge,
    title: 'Active tenants (% of discovered tenants)', width: 6, height: 6, min: 0, max: PERCENT, annotations: [],
    series: [expressionSeries(`${PERCENT} * active / discovered`, {
      active: metricSeries(ActiveTenants, 'Maximum', db, { label: 'Active tenants' }),
      discovered: metricSeries(TenantCount, 'Maximum', db, { label: 'Tenants' }),
    }, { label: 'Active %' })],
  };
  const activeCounts: Widget = {
    kind: 'singleValue', id: 'active-tenants', specItem: SpecItem.ActiveTenantsGauge, title: 'Active / discovered tenants',
    width: 6, height: 6,
    series: [
      metricSeries(ActiveTenants, 'Maximum', db, { label: 'Active tenants' }),
      metricSeries(TenantCount, 'Maximum', db, { label: 'Discovered tenants' }),
    ],
  };
  const requestVolume: Widget = graph({
    id: 'per-tenant-request-volume', specItem: SpecItem.PerTenantRequestVolume,
    title: `Requests per tenant (request log, top ${TOP_TENANTS}, per 5 min)`, width: 12,
    series: [
      metricSeries(ApiRequests, 'Sum', db, { label: 'All tenants', periodSeconds: FIVE_MINUTES, axis: Axis.Right }),
      searchSeries(ApiRequests, 1, db, 'Sum', { label: '', top: TOP_TENANTS, periodSeconds: FIVE_MINUTES }),
    ],
    leftAxis: { label: 'requests per tenant', min: 0 }, rightAxis: { label: 'all requests', min: 0 },
  });
  const schemaSwitch: Widget = graph({
    id: 'schema-switch-time', specItem: SpecItem.SchemaSwitching, title: 'Schema switch time (SET search_path round trip, ms)',
    width: 8,
    series: [
      metricSeries(SchemaSwitchTime, 'p50', db, { label: 'p50' }),
      metricSeries(SchemaSwitchTime, 'Maximum', db, { label: 'Maximum' }),
    ],
    annotations: thresholdLines(input, target.name, { kpi: { value: Kpi.SchemaSwitchMs, label: `KPI < ${Kpi.SchemaSwitchMs} ms` } }),
    leftAxis: { label: 'ms', min: 0 },
  });
  const activity: Widget = graph({
    id: 'tenant-activity', specItem: SpecItem.TenantActivityHeatmap,
    title: `Tenant activity: tuples read and written, top ${TOP_TENANTS} tenants (stacked; heatmap stand-in)`,
    width: 16, stacked: true,
    series: [
      searchSeries(TenantTuplesRead, 1, db, 'Sum', { label: 'read', top: TOP_TENANTS, periodSeconds: FIVE_MINUTES }),
      searchSeries(TenantTuplesWritten, 1, db, 'Sum', { label: 'written', top: TOP_TENANTS, periodSeconds: FIVE_MINUTES }),
    ],
    leftAxis: { label: 'tuples', min: 0 },
  });
  const growth = metricsGraph({
    id: 'tenant-growth', specItem: SpecItem.TenantGrowth, title: 'Tenant growth (daily maximum, 90 days)', width: 12,
    axisLabel: 'tenants', periodSeconds: DAY, range: GROWTH_RANGE,
  }, db, [[TenantCount, 'Maximum', 'Tenants'], [ActiveTenants, 'Maximum', 'Active tenants']]);
  const engagement = metricsGraph({ id: 'users-and-sessions', specItem: SpecItem.Extra, title: 'Active users and sessions', width: 6, axisLabel: 'count' }, db, [
    [ActiveUsers, 'Maximum', 'Active users'],
    [ActiveSessions, 'Maximum', 'Open sessions'],
  ]);
  const payroll = metricsGraph({ id: 'payroll-runs', specItem: SpecItem.Extra, title: 'Payroll runs', width: 6, axisLabel: 'runs' }, db, [
    [PayrollRunsCompleted, 'Sum', 'Completed'],
    [PayrollRunsFailed, 'Sum', 'Failed'],
    [PayrollRunsInProgress, 'Maximum', 'In progress'],
  ]);
  return {
    name: dashboardName(input, target.name, 'multi-tenant-insights'),
    title: `Multi-Tenant Insights: ${target.name}`,
    rows: [
      [headerWidget(`Multi-Tenant Insights: ${target.name}`, `Layer 3. Per-tenant series exist for the top tenants by activity only (cardinality cap); totals include every tenant.`)],
      [activeGauge, activeCounts, requestVolume],
      [schemaSwitch, activity],
      [growth, engagement, payroll],
    ],
  };
}
