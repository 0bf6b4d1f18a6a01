/**
 * Layer 3: tenants and business activity. Per-tenant dimension sets are published for
 * the top N tenants only (cardinality cap); the `[Database]` set always carries the total.
 */
import { Dimension as D, Layer, Namespace, metric } from './metric.js';

const base = { namespace: Namespace.Tenants, layer: Layer.Tenants } as const;
const perDatabase = [[D.Database]] as const;
const totalAndPerTenant = [[D.Database], [D.Database, D.Tenant]] as const;

export const TenantCount = metric({
  ...base, name: 'TenantCount', unit: 'Count', dimensionSets: perDatabase,
  description: 'Tenants discovered (schema pattern and/or tenants table).',
});

export const ActiveTenants = metric({
  ...base, name: 'ActiveTenants', unit: 'Count', dimensionSets: perDatabase,
  description: 'Tenants whose schema saw any tuple read or written over the interval.',
});

export const TenantTuplesRead = metric({
  ...base, name: 'TenantTuplesRead', unit: 'Count', dimensionSets: totalAndPerTenant,
  description: 'Tuples read (seq + index fetched) in the tenant schema over the interval; total and top-N tenants.',
});

export const TenantTuplesWritten = metric({
  ...base, name: 'TenantTuplesWritten', unit: 'Count', dimensionSets: totalAndPerTenant,
  description: 'Tuples inserted, updated or deleted in the tenant schema over the interval; total and top-N tenants.',
});

export const ActiveUsers = metric({
  ...base, name: 'ActiveUsers', unit: 'Count', dimensionSets: perDatabase,
  description: 'Distinct users with activity in the recent window (SQL source).',
});

export const ActiveSessions = metric({
  ...base, name: 'ActiveSessions', unit: 'Count', dimensionSets: perDatabase,
  description: 'Application sessions currently open (SQL source).',
});

export const FeatureFlagUsage = metric({
  ...base, name: 'FeatureFlagUsage', unit: 'Count', dimensionSets: [[D.Database, D.Flag]] as const,
  description: 'Tenants with the feature flag enabled (SQL source).',
});

export const PayrollRunsCompleted = metric({
  ...base, name: 'PayrollRunsCompleted', unit: 'Count', dimensionSets: totalAndPerTenant,
  description: 'Payroll runs completed over the interval (SQL source).',
});

export const PayrollRunsFailed = metric({
  ...base, name: 'PayrollRunsFailed', unit: 'Count', dimensionSets: totalAndPerTenant,
  description: 'Payroll runs failed over the interval (SQL source).',
});

export const PayrollRunsInProgress = metric({
  ...base, name: 'PayrollRunsInProgress', unit: 'Count', dimensionSets: totalAndPerTenant,
  description: 'Payroll runs currently in progress (SQL source).',
});

export const PayrollRunDuration = metric({
  ...base, name: 'PayrollRunDuration', unit: 'Seconds', dimensionSets: perDatabase,
  description: 'Duration of payroll runs that finished over the interval (SQL source).',
});

export const SchemaSwitchTime = metric({
  ...base, name: 'SchemaSwitchTime', unit: 'Milliseconds', dimensionSets: perDatabase,
  description: 'Round trip of SET search_path on the collector connection over a sample of tenant schemas, published as a distribution (use p50 and Maximum). KPI < 10 ms.',
});
