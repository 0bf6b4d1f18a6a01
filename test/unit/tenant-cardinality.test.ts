/** The distinct metrics of the tenant and security layers, computed from the settings and the catalog (README "Cardinality and cost"). */
import { describe, expect, it } from 'vitest';
import { monthlyMetricCostUsd, tenantSecurityMetricCounts } from '../../lambdas/collector/tenants/cardinality.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { DEMO_FEATURE_FLAGS } from '../../lambdas/local/demo/plan.js';

const total = (counts: readonly { metrics: number }[]) => counts.reduce((n, c) => n + c.metrics, 0);

describe('tenant and security metric cardinality', () => {
  it('is 20 + 5 x topTenants + flags for the default config: 151 metrics, $45.30 a month per target', () => {
    // Prepare
    const settings = collectorSettingsSchema.parse({ target: 'demo' });
    // Act
    const counts = tenantSecurityMetricCounts(settings, { Flag: DEMO_FEATURE_FLAGS.length });
    // Assess
    expect(Object.fromEntries(counts.map((c) => [c.metric, c.metrics]))).toEqual({
      TenantCount: 1, ActiveTenants: 1, TenantTuplesRead: 26, TenantTuplesWritten: 26, SchemaSwitchTime: 1, CrossTenantQueries: 1,
      ActiveUsers: 1, ActiveSessions: 1, FeatureFlagUsage: 6,
      PayrollRunsCompleted: 26, PayrollRunsFailed: 26, PayrollRunsInProgress: 26, PayrollRunDuration: 1,
      LoginAttempts: 1, FailedLogins: 1, FailedLoginRate: 1,
      IdorRejections: 1, TenantIsolationViolations: 1, SuspiciousEvents: 1,
      AuditLogEvents: 1, AuditLogGrowthBytes: 1,
    });
    expect(total(counts)).toBe(151);
    expect(monthlyMetricCostUsd(total(counts))).toBe(45.3);
  });

  it('follows topTenants and the sources', () => {
    // Prepare
    const capped = collectorSettingsSchema.parse({ target: 'demo', topTenants: 0 });
    const fewer = collectorSettingsSchema.parse({ target: 'demo', topTenants: 10, sources: [] });
    // Act / Assess
    expect(total(tenantSecurityMetricCounts(capped, { Flag: 6 }))).toBe(26);
    expect(monthlyMetricCostUsd(26)).toBe(7.8);
    expect(total(tenantSecurityMetricCounts(fewer))).toBe(4 + 2 * 11);
    expect(() => tenantSecurityMetricCounts(capped)).toThrow('cardinality: say how many distinct Flag values the data has');
  });
});
