/** Layer 4: security and compliance, from the application's auth, security-event and audit tables. */
import { Dimension as D, Layer, Namespace, metric } from './metric.js';

const base = { namespace: Namespace.Security, layer: Layer.Security } as const;
const perDatabase = [[D.Database]] as const;

export const LoginAttempts = metric({
  ...base, name: 'LoginAttempts', unit: 'Count', dimensionSets: perDatabase,
  description: 'Authentication attempts over the interval (SQL source).',
});

export const FailedLogins = metric({
  ...base, name: 'FailedLogins', unit: 'Count', dimensionSets: perDatabase,
  description: 'Failed authentication attempts over the interval (SQL source).',
});

export const FailedLoginRate = metric({
  ...base, name: 'FailedLoginRate', unit: 'Percent', dimensionSets: perDatabase,
  description: '100 * FailedLogins / LoginAttempts over the interval; not published when there were no attempts. KPI < 5 %.',
});

export const IdorRejections = metric({
  ...base, name: 'IdorRejections', unit: 'Count', dimensionSets: perDatabase,
  description: 'Requests the application rejected for referencing an object of another tenant or user (security events).',
});

export const TenantIsolationViolations = metric({
  ...base, name: 'TenantIsolationViolations', unit: 'Count', dimensionSets: perDatabase,
  description: 'Tenant isolation violations the application itself recorded (security events).',
});

export const CrossTenantQueries = metric({
  ...base, name: 'CrossTenantQueries', unit: 'Count', dimensionSets: perDatabase,
  description: 'Statements new in pg_stat_statements over the interval whose text names two or more tenant schemas. Blind to unqualified SQL under search_path tenancy.',
});

export const SuspiciousEvents = metric({
  ...base, name: 'SuspiciousEvents', unit: 'Count', dimensionSets: perDatabase,
  description: 'Security events flagged suspicious over the interval (SQL source).',
});

export const AuditLogEvents = metric({
  ...base, name: 'AuditLogEvents', unit: 'Count', dimensionSets: perDatabase,
  description: 'Audit log rows written over the interval (SQL source).',
});

export const AuditLogGrowthBytes = metric({
  ...base, name: 'AuditLogGrowthBytes', unit: 'Bytes', dimensionSets: perDatabase,
  description: 'Growth of the audit log over the interval in bytes; dashboards show it as MB/day.',
});
