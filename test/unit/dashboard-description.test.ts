/** The pure dashboard descriptions: spec coverage, KPI consistency and the guards on series. */
import { describe, expect, it } from 'vitest';
import {
  ApiP99High, AvailabilityBelowSlo, CacheHitRate, Connections, FailedLoginRateHigh, QueryLatencyHigh,
  ResponseTimeDegradation, catalogMetrics, isCatalogMetric,
} from '../../lambdas/core/catalog/index.js';
import { describeDashboards, logsQueries, referencedMetrics, widgetsOf } from '../../lib/dashboards/describe.js';
import type { DashboardsInput } from '../../lib/dashboards/input.js';
import { Kpi } from '../../lib/dashboards/kpis.js';
import { SpecItem } from '../../lib/dashboards/model.js';
import { searchExpression } from '../../lib/dashboards/search-expression.js';
import { metricSeries, searchSeries } from '../../lib/dashboards/series.js';

const input: DashboardsInput = {
  targets: [{ name: 'main', rdsInstanceId: 'payroll-db' }],
  api: { loadBalancerFullName: 'app/payroll/0123456789abcdef', targetGroupFullName: 'targetgroup/api/0123456789abcdef' },
  healthChecks: [{ name: 'api-health' }],
  collectorLogGroups: { main: '/aws/lambda/collector-main' },
  alarms: [],
};

/** The spec's "Dashboard Components", dashboard by dashboard. */
const specDashboards: Record<string, readonly SpecItem[]> = {
  'tenantwatch-main-infrastructure-health': [
    SpecItem.Connections, SpecItem.CacheHitRateTrend, SpecItem.DiskIoVsCacheHits, SpecItem.ConnectionPoolGauge, SpecItem.TopSlowestQueries,
  ],
  'tenantwatch-api-performance': [
    SpecItem.RequestsPerSecond, SpecItem.ResponseTimeDistribution, SpecItem.ErrorRate, SpecItem.EndpointBreakdown, SpecItem.RequestHeatmap,
  ],
  'tenantwatch-main-multi-tenant-insights': [
    SpecItem.ActiveTenantsGauge, SpecItem.PerTenantRequestVolume, SpecItem.SchemaSwitching, SpecItem.TenantActivityHeatmap, SpecItem.TenantGrowth,
  ],
  'tenantwatch-main-security-events': [
    SpecItem.FailedAuthentication, SpecItem.IdorTriggers, SpecItem.SuspiciousActivity, SpecItem.AuditLogVolume, SpecItem.SecurityAlertHistory,
  ],
};

describe('dashboard descriptions', () => {
  const specs = describeDashboards(input);

  it('has every widget the spec lists, on the dashboard the spec puts it on, and nothing else of the spec\'s', () => {
    // Act
    const items = Object.fromEntries(specs.map((d) => [d.name, [...new Set(widgetsOf(d).map((w) => w.specItem))].filter((i) => i !== SpecItem.Extra).sort()]));
    // Assess
    expect(items).toEqual(Object.fromEntries(Object.entries(specDashboards).map(([name, list]) => [name, [...list].sort()])));
  });

  it('keeps rows within the 24-unit grid and widget ids unique per dashboard', () => {
    for (const d of specs) {
      for (const row of d.rows) expect(row.reduce((w, x) => w + x.width, 0)).toBeLessThanOrEqual(24);
      const ids = widgetsOf(d).map((w) => w.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('uses the KPI values that the catalog alarms on where the spec gives both', () => {
    const threshold = (r: { condition: { kind: string; threshold?: number } }) => r.condition.threshold;
    expect(threshold(QueryLatencyHigh)).toBe(Kpi.QueryLatencyP95Ms);
    expect(threshold(ResponseTimeDegradation)! * 1000).toBe(Kpi.ApiP95Ms);
    expect(threshold(ApiP99High)! * 1000).toBe(Kpi.ApiP99Ms);
    expect(threshold(FailedLoginRateHigh)).toBe(Kpi.FailedLoginRatePercent);
    expect(Number((threshold(AvailabilityBelowSlo)! * 100).toPrecision(12))).toBe(Kpi.AvailabilityPercent);
  });

  it('references only catalog metrics, each with one of its declared dimension sets', () => {
    // Act
    const refs = specs.flatMap(referencedMetrics);
    // Assess
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const def = catalogMetrics.find((m) => m.namespace === ref.namespace && m.name === ref.name);
      if (ref.published) {
        expect(def, `${ref.namespace}/${ref.name}`).toBeDefined();
        expect(isCatalogMetric(def)).toBe(true);
        expect(def!.dimensionSets.map((set) => [...set].sort().join(','))).toContain(ref.dimensionNames.join(','));
      } else {
        expect(ref.namespace).toMatch(/^AWS\//);
      }
    }
  });

  it('reads the top_statements log line\'s statements list in the only Logs Insights widget', () => {
    const queries = specs.flatMap(logsQueries);
    expect(queries.map((q) => [q.widget, q.logGroupNames, q.query.event, q.query.listField, q.query.fields])).toEqual([
      ['top-statements', ['/aws/lambda/collector-main'], 'top_statements', 'statements', ['queryid', 'calls', 'total_ms', 'query']],
    ]);
  });

  it('refuses a series whose dimensions are not a declared set, and a search filter outside its set', () => {
    expect(() => metricSeries(CacheHitRate, 'Average', { Database: 'main', Tenant: 'x' }, { label: 'x' }))
      .toThrow('dashboard series TenantWatch/Database/CacheHitRate: dimensions [Database, Tenant] are not a declared dimension set');
    expect(() => searchSeries(Connections, 0, { State: 'active' }, 'Maximum', { label: 'x' }))
      .toThrow('dashboard search TenantWatch/Database/Connections: filter on [State] outside its dimension set');
    expect(() => searchSeries(Connections, 5, {}, 'Maximum', { label: 'x' })).toThrow('no dimension set 5');
  });

  it('refuses to build a SEARCH with a quote in a dimension value', () => {
    const s = searchSeries(Connections, 1, { Database: 'ma"in' }, 'Maximum', { label: 'x' });
    expect(() => searchExpression(s)).toThrow('dashboard search: Database "ma\\"in" contains a quote or backslash');
  });

  it('needs a collector log group for every target', () => {
    expect(() => describeDashboards({ ...input, collectorLogGroups: {} })).toThrow('dashboards: no collector log group for target "main"');
  });
});
