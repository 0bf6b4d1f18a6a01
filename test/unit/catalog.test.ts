import { describe, expect, it } from 'vitest';
import {
  CacheHitRate, Channel, Connections, Namespace, Severity, alarmRules, catalogMetrics, specAlertRules,
  AlbRequestCount,
} from '../../lambdas/core/catalog/index.js';
import { datum } from '../../lambdas/core/metrics/datum.js';

describe('catalog', () => {
  it('declares every metric name once per namespace', () => {
    // Act
    const keys = catalogMetrics.map((m) => `${m.namespace}/${m.name}`);
    // Assess
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of catalogMetrics) expect(m.namespace.startsWith('TenantWatch/')).toBe(true);
  });

  it('keeps the spec alert table: titles, severities and channels exactly', () => {
    // Act
    const table = specAlertRules.map((r) => [r.title, r.severity, [...r.channels].sort()]);
    // Assess
    expect(table).toEqual([
      ['Database Down', Severity.P1, [Channel.PagerDuty, Channel.Sms].sort()],
      ['Cache Hit Rate Degraded', Severity.P1, [Channel.Email, Channel.Slack].sort()],
      ['API Error Rate High', Severity.P1, [Channel.PagerDuty]],
      ['Tenant Isolation Breach', Severity.P0, [Channel.PagerDuty, Channel.SecurityTeam].sort()],
      ['Response Time Degradation', Severity.P2, [Channel.Slack]],
      ['Connection Pool High', Severity.P2, [Channel.Email]],
      ['Disk I/O Spike', Severity.P2, [Channel.Slack]],
    ]);
  });

  it('gives every alarm rule a unique id and a runbook line', () => {
    const ids = alarmRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of alarmRules) expect(r.runbook.length).toBeGreaterThan(20);
  });

  it('only lets collectors build datums of catalog metrics with a declared dimension set', () => {
    // Act
    const ok = datum(Connections, { Database: 'main', State: 'active' }, 3);
    // Assess: the compile-time guarantees below are checked by `npm run typecheck`.
    expect(ok.metric.namespace).toBe(Namespace.Database);
    // @ts-expect-error Tenant is not a dimension of CacheHitRate
    datum(CacheHitRate, { Database: 'main', Tenant: 't1' }, 1);
    // @ts-expect-error AWS-owned metrics cannot be published
    datum(AlbRequestCount, { LoadBalancer: 'x' }, 1);
    // @ts-expect-error an ad-hoc metric is not in the catalog
    datum({ ...CacheHitRate, name: 'Made Up' }, { Database: 'main' }, 1);
  });
});
