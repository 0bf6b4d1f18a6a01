/**
 * Template assertions on the synthesised dashboard bodies: each of the spec's widgets
 * exists with the right metrics, statistics, periods, ranges and KPI / alarm annotations.
 * The DashboardBody is an Fn::Join of JSON text and tokens; it is resolved and parsed here.
 */
import { App, Stack, aws_cloudwatch as cw } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  type AlarmRule, CacheHitRateDegraded, ConnectionPoolHigh, FailedLoginRateHigh, ResponseTimeDegradation,
  TenantIsolationBreach, alarmRules,
} from '../../lambdas/core/catalog/index.js';
import { type BuildDashboardsProps, type DashboardAlarm, buildDashboards } from '../../lib/dashboards/index.js';

const REGION = 'eu-west-1';
const LB = 'app/payroll/0123456789abcdef';
const TG = 'targetgroup/api/0123456789abcdef';
const MAIN_LOG_GROUP = '/aws/lambda/tenantwatch-collector-main';

interface WidgetJson {
  type: string;
  width: number;
  height: number;
  properties: {
    title?: string;
    view?: string;
    stacked?: boolean;
    start?: string;
    period?: number;
    setPeriodToTimeRange?: boolean;
    metrics?: unknown[][];
    annotations?: { horizontal?: { value: number; label: string; color: string; yAxis?: string }[] };
    yAxis?: { left?: { min?: number; max?: number; label?: string }; right?: { min?: number; max?: number; label?: string } };
    query?: string;
    alarms?: string[];
    markdown?: string;
    sortBy?: string;
  };
}

/** Resolves the Fn::Join of a DashboardBody: region refs to REGION, other tokens to readable stand-ins. */
function resolveBody(body: unknown): { periodOverride?: string; start?: string; widgets: WidgetJson[] } {
  if (typeof body === 'string') return JSON.parse(body);
  const [separator, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts.map((p) => {
    if (typeof p === 'string') return p;
    const token = p as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (token.Ref === 'AWS::Region') return REGION;
    if (token.Ref) return `ref:${token.Ref}`;
    if (token['Fn::GetAtt']) return `arn:${token['Fn::GetAtt'][0]}`;
    throw new Error(`unexpected token in DashboardBody: ${JSON.stringify(p)}`);
  }).join(separator);
  return JSON.parse(text);
}

interface Synth {
  readonly dashboards: Map<string, { periodOverride?: string; start?: string; widgets: WidgetJson[] }>;
  readonly alarmLogicalIds: Map<string, string>;
}

function synth(props: Omit<BuildDashboardsProps, 'alarms'>, alarmPlan: readonly { rule: AlarmRule; instance: string }[] = []): Synth {
  const app = new App();
  const stack = new Stack(app, 'Dashboards', { env: { account: '123456789012', region: REGION } });
  const alarms: DashboardAlarm[] = alarmPlan.map(({ rule, instance }) => ({
    rule, instance,
    alarm: new cw.Alarm(stack, `${instance}-${rule.id}`, {
      alarmName: `tenantwatch-${instance}-${rule.severity}-${rule.id}`,
      metric: new cw.Metric({ namespace: 'Test', metricName: rule.id }), threshold: 1, evaluationPeriods: 1,
    }),
  }));
  buildDashboards(stack, { ...props, alarms });
  const template = Template.fromStack(stack);
  const dashboards = new Map<string, { widgets: WidgetJson[] }>();
  for (const resource of Object.values(template.findResources('AWS::CloudWatch::Dashboard'))) {
    const p = resource.Properties as { DashboardName: string; DashboardBody: unknown };
    dashboards.set(p.DashboardName, resolveBody(p.DashboardBody));
  }
  const alarmLogicalIds = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    alarmLogicalIds.set((resource.Properties as { AlarmName: string }).AlarmName, logicalId);
  }
  return { dashboards, alarmLogicalIds };
}

const oneTarget: Omit<BuildDashboardsProps, 'alarms'> = {
  targets: [{ name: 'main', rdsInstanceId: 'payroll-db' }],
  api: { loadBalancerFullName: LB, targetGroupFullName: TG },
  healthChecks: [{ name: 'api-health' }, { name: 'admin' }],
  collectorLogGroups: { main: MAIN_LOG_GROUP },
};

/** Every catalog rule, deployed for the instances its scope implies. */
function deployedRules(targets: readonly string[], endpoints: readonly string[]): { rule: AlarmRule; instance: string }[] {
  return (alarmRules as readonly AlarmRule[]).flatMap((rule) => {
    if (rule.scope === 'target') return targets.map((instance) => ({ rule, instance }));
    if (rule.scope === 'api') return [{ rule, instance: 'api' }];
    return endpoints.map((e) => ({ rule, instance: `health-${e}` }));
  });
}

function dashboard(s: Synth, name: string) {
  const d = s.dashboards.get(name);
  if (!d) throw new Error(`no dashboard ${name}; have ${[...s.dashboards.keys()].join(', ')}`);
  return d;
}

function widget(s: Synth, dashboardName: string, titleStart: string): WidgetJson {
  const found = dashboard(s, dashboardName).widgets.filter((w) => (w.properties.title ?? w.properties.markdown ?? '').startsWith(titleStart));
  if (found.length !== 1) throw new Error(`${found.length} widgets titled "${titleStart}..." in ${dashboardName}`);
  return found[0]!;
}

/** A metric line of a widget: [namespace, name, dim, value, ..., options]. */
function metricLines(w: WidgetJson): { id: string; namespace: string; name: string; dimensions: Record<string, string>; options: Record<string, unknown> }[] {
  return (w.properties.metrics ?? []).filter((line) => typeof line[0] === 'string').map((line) => {
    const last = line[line.length - 1];
    const options = (typeof last === 'object' ? last : {}) as Record<string, unknown>;
    const plain = (typeof last === 'object' ? line.slice(0, -1) : line) as string[];
    const [namespace = '', name = '', ...dims] = plain;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i]!] = dims[i + 1]!;
    return { id: String(options.id ?? ''), namespace, name, dimensions, options: { ...options, period: options.period ?? w.properties.period ?? DEFAULT_WIDGET_PERIOD } };
  });
}

/** Expression lines of a widget: { expression, label, period }. */
function expressions(w: WidgetJson): { expression: string; label?: string; period?: number }[] {
  return (w.properties.metrics ?? []).filter((line) => typeof line[0] === 'object' && 'expression' in (line[0] as object))
    .map((line) => line[0] as { expression: string; label?: string; period?: number });
}

/** Statistic of a metric line; CloudWatch's default (omitted in the JSON) is Average. */
const stat = (options: Record<string, unknown>) => (options.stat as string | undefined) ?? 'Average';
/** The widget period CloudWatch applies when a metric line names none (the CDK omits 300). */
const DEFAULT_WIDGET_PERIOD = 300;

const annotations = (w: WidgetJson) => (w.properties.annotations?.horizontal ?? []).map((a) => [a.value, a.label, a.color, a.yAxis ?? 'left']);
const GREEN = cw.Color.GREEN;
const RED = cw.Color.RED;

describe('dashboards (synthesised)', () => {
  const s = synth(oneTarget, deployedRules(['main'], ['api-health', 'admin']));
  const infra = 'tenantwatch-main-infrastructure-health';
  const api = 'tenantwatch-api-performance';
  const tenants = 'tenantwatch-main-multi-tenant-insights';
  const security = 'tenantwatch-main-security-events';

  it('creates the four dashboards for one target, keeping each widget\'s own period', () => {
    // Assess
    expect([...s.dashboards.keys()].sort()).toEqual([api, infra, tenants, security].sort());
    for (const d of s.dashboards.values()) {
      expect(d.periodOverride).toBe('inherit');
      expect(d.start).toBe('-PT3H');
      for (const w of d.widgets) expect(w.properties.title ?? w.properties.markdown).toBeTruthy();
    }
  });

  describe('Infrastructure Health', () => {
    it('graphs connections: the total and one series per state (search)', () => {
      const w = widget(s, infra, 'Database connections');
      expect(metricLines(w).map((m) => [m.namespace, m.name, m.dimensions, stat(m.options), m.options.period])).toEqual([
        ['TenantWatch/Database', 'Connections', { Database: 'main' }, 'Maximum', 60],
      ]);
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SEARCH('{TenantWatch/Database,Database,State} MetricName="Connections" Database="main"', 'Maximum', 60)`,
      ]);
    });

    it('shows the cache hit rate over 24 h with the 95 % KPI and the 90 % alarm line', () => {
      const w = widget(s, infra, 'Cache hit rate, last 24 h');
      expect(w.properties.start).toBe('-PT24H');
      expect(metricLines(w).map((m) => [m.name, m.dimensions, stat(m.options), m.options.period])).toEqual([
        ['CacheHitRate', { Database: 'main' }, 'Average', 300],
      ]);
      expect(annotations(w)).toEqual([
        [95, 'KPI > 95 %', GREEN, 'left'],
        [CacheHitRateDegraded.condition.threshold, 'Alarm: Cache Hit Rate Degraded', RED, 'left'],
      ]);
    });

    it('puts disk reads and cache hits on two axes of one graph', () => {
      const w = widget(s, infra, 'Disk reads vs cache hits');
      expect(metricLines(w).map((m) => [m.name, stat(m.options), m.options.yAxis ?? 'left'])).toEqual([
        ['DiskReads', 'Sum', 'left'], ['CacheHits', 'Sum', 'right'],
      ]);
    });

    it('shows connection-pool utilisation as a 0-100 gauge with the 80 % KPI and the 70 % alarm', () => {
      const w = widget(s, infra, 'Connection pool utilisation');
      expect(w.properties.view).toBe('gauge');
      expect(w.properties.yAxis?.left).toEqual({ min: 0, max: 100 });
      expect(metricLines(w).map((m) => [m.name, stat(m.options)])).toEqual([['ConnectionUtilization', 'Maximum']]);
      expect(annotations(w)).toEqual([
        [80, 'KPI < 80 %', GREEN, 'left'],
        [ConnectionPoolHigh.condition.threshold, 'Alarm: Connection Pool High', RED, 'left'],
      ]);
    });

    it('tables the 10 slowest statements with Logs Insights over the collector log group', () => {
      const w = widget(s, infra, 'Top 10 slowest statements');
      expect(w.type).toBe('log');
      expect(w.properties.view).toBe('table');
      expect(w.properties.query).toBe([
        `SOURCE '${MAIN_LOG_GROUP}' | filter event = "top_statements"`,
        '| fields jsonParse(@message) as line',
        '| unnest line.statements into s',
        '| stats sum(s.total_ms) / sum(s.calls) as mean_ms, sum(s.calls) as calls, sum(s.total_ms) as total_ms, latest(s.query) as query by s.queryid',
        '| sort mean_ms desc',
        '| limit 10',
      ].join('\n'));
    });

    it('graphs query latency p50/p95/p99 with the 100 ms p95 KPI', () => {
      const w = widget(s, infra, 'Query latency');
      expect(metricLines(w).map((m) => [m.name, stat(m.options)])).toEqual([['QueryLatency', 'p50'], ['QueryLatency', 'p95'], ['QueryLatency', 'p99']]);
      // The alarm threshold equals the KPI: one line, not two.
      expect(annotations(w)).toEqual([[100, 'KPI p95 < 100 ms', GREEN, 'left']]);
    });

    it('adds AWS/RDS CPU, memory, IOPS and network of the named instance', () => {
      const rds = dashboard(s, infra).widgets.flatMap(metricLines).filter((m) => m.namespace === 'AWS/RDS');
      expect(rds.map((m) => [m.name, m.dimensions, stat(m.options)])).toEqual([
        ['CPUUtilization', { DBInstanceIdentifier: 'payroll-db' }, 'Average'],
        ['FreeableMemory', { DBInstanceIdentifier: 'payroll-db' }, 'Minimum'],
        ['ReadIOPS', { DBInstanceIdentifier: 'payroll-db' }, 'Average'],
        ['WriteIOPS', { DBInstanceIdentifier: 'payroll-db' }, 'Average'],
        ['NetworkReceiveThroughput', { DBInstanceIdentifier: 'payroll-db' }, 'Average'],
        ['NetworkTransmitThroughput', { DBInstanceIdentifier: 'payroll-db' }, 'Average'],
      ]);
    });
  });

  describe('API Performance', () => {
    const alb = { LoadBalancer: LB };
    const albTg = { LoadBalancer: LB, TargetGroup: TG };

    it('computes requests per second from the load balancer\'s request count', () => {
      const w = widget(s, api, 'Requests per second (load balancer)');
      expect(expressions(w)).toEqual([{ expression: 'requests / PERIOD(requests)', label: 'Requests/s', period: 60 }]);
      expect(metricLines(w).map((m) => [m.id, m.namespace, m.name, m.dimensions, stat(m.options), m.options.visible])).toEqual([
        ['requests', 'AWS/ApplicationELB', 'RequestCount', alb, 'Sum', false],
      ]);
    });

    it('shows requests per second per tenant for the top 10 tenants of every target', () => {
      const w = widget(s, api, 'Requests per second per tenant');
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SORT(SEARCH('{TenantWatch/Api,Database,Tenant} MetricName="ApiRequests"', 'Sum', 60), SUM, DESC, 10) / 60`,
      ]);
    });

    it('shows p50/p95/p99 in milliseconds with the 200 ms and 500 ms KPIs', () => {
      const w = widget(s, api, 'Response time p50 / p95 / p99');
      expect(expressions(w).map((e) => [e.expression, e.label])).toEqual([['1000 * p50', 'p50'], ['1000 * p95', 'p95'], ['1000 * p99', 'p99']]);
      expect(metricLines(w).map((m) => [m.id, m.name, m.dimensions, stat(m.options)])).toEqual([
        ['p50', 'TargetResponseTime', albTg, 'p50'], ['p95', 'TargetResponseTime', albTg, 'p95'], ['p99', 'TargetResponseTime', albTg, 'p99'],
      ]);
      expect(annotations(w)).toEqual([[200, 'KPI p95 < 200 ms', GREEN, 'left'], [500, 'KPI p99 < 500 ms', GREEN, 'left']]);
    });

    it('computes the 5xx error rate with the alarm\'s own metric math, KPI 0.1 % and alarm 1 %', () => {
      const w = widget(s, api, '5xx error rate');
      expect(expressions(w).map((e) => e.expression)).toEqual(['100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests']);
      expect(metricLines(w).map((m) => [m.id, m.name, m.dimensions, stat(m.options)])).toEqual([
        ['target5xx', 'HTTPCode_Target_5XX_Count', alb, 'Sum'],
        ['elb5xx', 'HTTPCode_ELB_5XX_Count', alb, 'Sum'],
        ['requests', 'RequestCount', alb, 'Sum'],
      ]);
      expect(annotations(w)).toEqual([[0.1, 'KPI < 0.1 %', GREEN, 'left'], [1, 'Alarm: API Error Rate High', RED, 'left']]);
    });

    it('breaks requests down by endpoint as a bar chart over the whole range', () => {
      const w = widget(s, api, 'Requests per endpoint');
      expect([w.properties.view, w.properties.setPeriodToTimeRange]).toEqual(['bar', true]);
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SEARCH('{TenantWatch/Api,Database,Endpoint} MetricName="ApiRequests"', 'Sum', 60)`,
      ]);
    });

    it('shows p95 response time per endpoint from the request log, with the 200 ms KPI', () => {
      const w = widget(s, api, 'Response time p95 per endpoint');
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SEARCH('{TenantWatch/Api,Database,Endpoint} MetricName="ApiRequestDuration"', 'p95', 60)`,
      ]);
      expect(annotations(w)).toEqual([[200, 'KPI p95 < 200 ms', GREEN, 'left']]);
    });

    it('stands in for the request heatmap with stacked percentile-rank bands that cover every latency once', () => {
      const w = widget(s, api, 'Request latency heatmap');
      expect(w.properties.stacked).toBe(true);
      expect(metricLines(w).map((m) => [m.name, m.dimensions, stat(m.options)])).toEqual([
        ['TargetResponseTime', albTg, 'PR(:0.1)'],
        ['TargetResponseTime', albTg, 'PR(0.1:0.2)'],
        ['TargetResponseTime', albTg, 'PR(0.2:0.5)'],
        ['TargetResponseTime', albTg, 'PR(0.5:1)'],
        ['TargetResponseTime', albTg, 'PR(1:2.5)'],
        ['TargetResponseTime', albTg, 'PR(2.5:)'],
      ]);
      expect(w.properties.yAxis?.left).toEqual({ label: '% of requests', showUnits: false, min: 0, max: 100 });
    });

    it('shows hourly availability per endpoint against the 99.9 % SLO', () => {
      const w = widget(s, api, 'Availability per hour');
      expect(expressions(w)).toEqual([
        { expression: '100 * up0', label: 'api-health', period: 3600 },
        { expression: '100 * up1', label: 'admin', period: 3600 },
      ]);
      expect(metricLines(w).map((m) => [m.id, m.name, m.dimensions, stat(m.options)])).toEqual([
        ['up0', 'HealthCheckUp', { Endpoint: 'api-health' }, 'Average'],
        ['up1', 'HealthCheckUp', { Endpoint: 'admin' }, 'Average'],
      ]);
      expect(annotations(w)).toEqual([[99.9, 'SLO 99.9 %', GREEN, 'left']]);
    });

    it('draws the deployed (overridden) alarm threshold, converted from ALB seconds to ms', () => {
      // Prepare: the p95 alarm overridden to 300 ms (0.3 s).
      const overridden = { ...ResponseTimeDegradation, condition: { ...ResponseTimeDegradation.condition, threshold: 0.3 } };
      // Act
      const o = synth(oneTarget, [{ rule: overridden, instance: 'api' }]);
      // Assess
      expect(annotations(widget(o, api, 'Response time p50 / p95 / p99'))).toEqual([
        [200, 'KPI p95 < 200 ms', GREEN, 'left'],
        [300, 'Alarm: Response Time Degradation', RED, 'left'],
        [500, 'KPI p99 < 500 ms', GREEN, 'left'],
      ]);
    });

    it('says so, and reads no AWS/ApplicationELB metric, when no load balancer is configured', () => {
      // Act
      const noApi = synth({ ...oneTarget, api: undefined });
      // Assess
      const d = dashboard(noApi, api);
      expect(d.widgets.flatMap(metricLines).filter((m) => m.namespace === 'AWS/ApplicationELB')).toEqual([]);
      expect(widget(noApi, api, 'No load balancer is configured').type).toBe('text');
      expect(widget(noApi, api, 'Requests per second per tenant').type).toBe('metric');
    });
  });

  describe('Multi-Tenant Insights', () => {
    it('shows active tenants as a percentage gauge of discovered tenants', () => {
      const w = widget(s, tenants, 'Active tenants (% of discovered tenants)');
      expect(w.properties.view).toBe('gauge');
      expect(expressions(w).map((e) => e.expression)).toEqual(['100 * active / discovered']);
      expect(metricLines(w).map((m) => [m.id, m.name, stat(m.options)])).toEqual([['active', 'ActiveTenants', 'Maximum'], ['discovered', 'TenantCount', 'Maximum']]);
      expect(w.properties.yAxis?.left).toEqual({ min: 0, max: 100 });
    });

    it('shows per-tenant request volume of this target: top 10 and the total', () => {
      const w = widget(s, tenants, 'Requests per tenant');
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SORT(SEARCH('{TenantWatch/Api,Database,Tenant} MetricName="ApiRequests" Database="main"', 'Sum', 300), SUM, DESC, 10)`,
      ]);
      expect(metricLines(w).map((m) => [m.name, m.dimensions, stat(m.options), m.options.yAxis])).toEqual([['ApiRequests', { Database: 'main' }, 'Sum', 'right']]);
    });

    it('shows schema switch time p50 and maximum with the 10 ms KPI', () => {
      const w = widget(s, tenants, 'Schema switch time');
      expect(metricLines(w).map((m) => [m.name, stat(m.options)])).toEqual([['SchemaSwitchTime', 'p50'], ['SchemaSwitchTime', 'Maximum']]);
      expect(annotations(w)).toEqual([[10, 'KPI < 10 ms', GREEN, 'left']]);
    });

    it('stacks the top-10 tenants\' tuple activity as the heatmap stand-in', () => {
      const w = widget(s, tenants, 'Tenant activity');
      expect(w.properties.stacked).toBe(true);
      expect(expressions(w).map((e) => e.expression)).toEqual([
        `SORT(SEARCH('{TenantWatch/Tenants,Database,Tenant} MetricName="TenantTuplesRead" Database="main"', 'Sum', 300), SUM, DESC, 10)`,
        `SORT(SEARCH('{TenantWatch/Tenants,Database,Tenant} MetricName="TenantTuplesWritten" Database="main"', 'Sum', 300), SUM, DESC, 10)`,
      ]);
    });

    it('shows tenant growth as daily maxima over 90 days', () => {
      const w = widget(s, tenants, 'Tenant growth');
      expect(w.properties.start).toBe('-P90D');
      expect(metricLines(w).map((m) => [m.name, stat(m.options), m.options.period])).toEqual([['TenantCount', 'Maximum', 86400], ['ActiveTenants', 'Maximum', 86400]]);
    });
  });

  describe('Security Events', () => {
    it('shows failed authentication over the last hour with the 5 % failed-login KPI on the rate axis', () => {
      const w = widget(s, security, 'Failed authentication attempts, last hour');
      expect(w.properties.start).toBe('-PT1H');
      expect(metricLines(w).map((m) => [m.name, stat(m.options), m.options.yAxis ?? 'left'])).toEqual([
        ['FailedLogins', 'Sum', 'left'], ['FailedLoginRate', 'Average', 'right'],
      ]);
      expect(annotations(w)).toEqual([[5, 'KPI < 5 % of attempts', GREEN, 'right']]);
      const total = widget(s, security, 'Logins, last hour');
      expect([total.properties.view, total.properties.start, total.properties.setPeriodToTimeRange]).toEqual(['singleValue', '-PT1H', true]);
    });

    it('graphs IDOR rejections per minute', () => {
      const w = widget(s, security, 'IDOR rejections');
      expect(metricLines(w).map((m) => [m.name, m.dimensions, stat(m.options), m.options.period])).toEqual([['IdorRejections', { Database: 'main' }, 'Sum', 60]]);
    });

    it('shows suspicious activity, isolation violations and cross-tenant statements per hour over 24 h', () => {
      const w = widget(s, security, 'Suspicious activity timeline');
      expect(w.properties.start).toBe('-P1D');
      expect(metricLines(w).map((m) => [m.name, stat(m.options), m.options.period])).toEqual([
        ['SuspiciousEvents', 'Sum', 3600], ['TenantIsolationViolations', 'Sum', 3600], ['CrossTenantQueries', 'Sum', 3600],
      ]);
    });

    it('shows audit log growth in MB per day', () => {
      const w = widget(s, security, 'Audit log volume');
      expect(expressions(w)).toEqual([{ expression: 'bytes / 1048576', label: 'MB/day', period: 86400 }]);
      expect(metricLines(w).map((m) => [m.id, m.name, stat(m.options), m.options.yAxis ?? 'left'])).toEqual([
        ['bytes', 'AuditLogGrowthBytes', 'Sum', 'left'], ['', 'AuditLogEvents', 'Sum', 'right'],
      ]);
    });

    it('shows the state of exactly this target\'s security alarms, most recent change first', () => {
      const w = widget(s, security, 'Security alarms');
      expect(w.type).toBe('alarm');
      expect(w.properties.sortBy).toBe('stateUpdatedTimestamp');
      const expected = [TenantIsolationBreach, FailedLoginRateHigh].map((r) => `arn:${s.alarmLogicalIds.get(`tenantwatch-main-${r.severity}-${r.id}`)}`);
      expect(w.properties.alarms).toEqual(expected);
    });
  });

  it('gives each target its own Infrastructure, Multi-Tenant and Security dashboards and one API dashboard', () => {
    // Act
    const two = synth({
      targets: [{ name: 'main' }, { name: 'reporting', rdsClusterId: 'reporting-cluster' }],
      healthChecks: [],
      collectorLogGroups: { main: MAIN_LOG_GROUP, reporting: '/aws/lambda/tenantwatch-collector-reporting' },
    });
    // Assess
    expect([...two.dashboards.keys()].sort()).toEqual([
      'tenantwatch-api-performance',
      'tenantwatch-main-infrastructure-health', 'tenantwatch-main-multi-tenant-insights', 'tenantwatch-main-security-events',
      'tenantwatch-reporting-infrastructure-health', 'tenantwatch-reporting-multi-tenant-insights', 'tenantwatch-reporting-security-events',
    ]);
    expect(widget(two, 'tenantwatch-reporting-infrastructure-health', 'Top 10 slowest').properties.query)
      .toMatch(/^SOURCE '\/aws\/lambda\/tenantwatch-collector-reporting' \| filter event = "top_statements"/);
    const rds = dashboard(two, 'tenantwatch-reporting-infrastructure-health').widgets.flatMap(metricLines).filter((m) => m.namespace === 'AWS/RDS');
    expect(new Set(rds.map((m) => JSON.stringify(m.dimensions)))).toEqual(new Set([JSON.stringify({ DBClusterIdentifier: 'reporting-cluster' })]));
    expect(dashboard(two, 'tenantwatch-main-infrastructure-health').widgets.flatMap(metricLines).filter((m) => m.namespace === 'AWS/RDS')).toEqual([]);
    // Without deployed alarms the security dashboard says so instead of an empty alarm widget.
    expect(widget(two, 'tenantwatch-main-security-events', '### Security alarms').type).toBe('text');
  });
});
