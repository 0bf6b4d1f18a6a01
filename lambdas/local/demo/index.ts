/** The demo payroll database and its workload: what `npm start`, the tests and the benchmark use. */
export { BATCH_TENANTS, createDemoDatabase, createPgStatStatementsExtension, type CreateDemoOptions, type DemoDatabase } from './create.js';
export { DEFAULT_DEMO_SEED, DEFAULT_DEMO_TENANTS, DEMO_FEATURE_FLAGS, planDemo, rowCounts, type DemoPlan, type DemoRowCounts, type DemoTenantPlan } from './plan.js';
export { SHARED_SCHEMA, TENANT_SCHEMA_PREFIX, quoteIdent } from './schema.js';
export * from './workload.js';
