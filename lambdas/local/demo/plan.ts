/**
 * The demo database's plan: how many of every row each tenant gets, decided by a seeded
 * PRNG in one pass. Pure data, so the same seed always gives the same plan and tests can
 * assert exact row counts; the SQL in create.ts only expands it (generate_series).
 */
import { createPrng, type Prng } from './prng.js';
import { TENANT_SCHEMA_PREFIX } from './schema.js';

export const DEFAULT_DEMO_TENANTS = 20;
export const DEFAULT_DEMO_SEED = 20_240_601;
/** Tenant counts above this are almost certainly a typo (and would take minutes). */
export const MAX_DEMO_TENANTS = 20_000;

/** Feature flags of the demo application, with the share of tenants that enable each. */
export const DEMO_FEATURE_FLAGS = [
  { key: 'new_payroll_engine', description: 'Payroll calculation engine v2', adoption: 0.35 },
  { key: 'self_service_payslips', description: 'Employees download their own payslips', adoption: 0.8 },
  { key: 'time_tracking', description: 'Time entries feed hourly payroll', adoption: 0.55 },
  { key: 'multi_currency', description: 'Pay employees in several currencies', adoption: 0.1 },
  { key: 'sso', description: 'Single sign-on through the customer IdP', adoption: 0.25 },
  { key: 'anomaly_detection', description: 'Flags unusual payslips before approval', adoption: 0.15 },
] as const;
export type DemoFeatureFlag = (typeof DEMO_FEATURE_FLAGS)[number]['key'];

export const DEMO_PLANS = ['starter', 'standard', 'enterprise'] as const;

/** Tenant sizes: most tenants are small, a few are large, so a top-N view is meaningful. */
const SIZE_CLASSES = [
  { share: 0.05, employees: [120, 250] },
  { share: 0.25, employees: [30, 80] },
  { share: 0.7, employees: [5, 25] },
] as const;

const SLUG_WORDS = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'stark', 'wayne', 'wonka', 'tyrell',
  'cyberdyne', 'soylent', 'massive', 'aperture', 'gringotts', 'oscorp', 'dunder', 'pied', 'prestige', 'monarch',
] as const;

const SUSPENDED_SHARE = 0.05;
const DEPARTMENTS = [2, 6] as const;
const COMPLETED_RUNS = [2, 6] as const;
const FAILED_RUNS = [0, 1] as const;
const IN_PROGRESS_RUNS = [0, 1] as const;
const PENDING_RUNS = 1;
/** Employees with id % this = 0 have left the company (inactive: no payslips). */
export const INACTIVE_EMPLOYEE_EVERY = 17;
export const TIME_ENTRY_DAYS = 5;
/** Every DOCUMENT_EVERY-th employee has a stored document. */
export const DOCUMENT_EVERY = 2;
const USERS_BASE = [2, 6] as const;
/** One extra user account per this many employees (self-service users). */
const EMPLOYEES_PER_USER = 5;
const OPEN_SESSIONS = [0, 4] as const;
const CLOSED_SESSIONS = [3, 15] as const;
const SUCCESSFUL_LOGINS = [10, 40] as const;
const FAILED_LOGINS = [0, 3] as const;
const SECURITY_EVENTS = [0, 2] as const;
const AUDIT_EVENTS = [5, 25] as const;
const REQUESTS = [20, 80] as const;

export interface PayrollRunCounts {
  readonly completed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly pending: number;
}

export interface DemoTenantPlan {
  /** app.tenants.id (1-based, in creation order). */
  readonly id: number;
  readonly slug: string;
  readonly schema: string;
  readonly displayName: string;
  readonly plan: (typeof DEMO_PLANS)[number];
  readonly status: 'active' | 'suspended';
  /** Mixed into generated values so tenants differ in more than size. */
  readonly salt: number;
  readonly departments: number;
  readonly employees: number;
  readonly activeEmployees: number;
  readonly paySchedules: number;
  readonly payrollRuns: PayrollRunCounts;
  /** One per active employee per completed run. */
  readonly payslips: number;
  readonly timeEntries: number;
  readonly documents: number;
  readonly users: number;
  readonly openSessions: number;
  readonly closedSessions: number;
  readonly successfulLogins: number;
  readonly failedLogins: number;
  readonly securityEvents: number;
  readonly auditEvents: number;
  readonly requests: number;
  readonly flags: Readonly<Record<DemoFeatureFlag, boolean>>;
}

export interface DemoPlan {
  readonly seed: number;
  readonly tenants: readonly DemoTenantPlan[];
}

const between = (prng: Prng, [min, max]: readonly [number, number]): number => prng.int(min, max);

function sizeClass(prng: Prng): readonly [number, number] {
  let roll = prng.next();
  for (const c of SIZE_CLASSES) {
    if (roll < c.share) return c.employees;
    roll -= c.share;
  }
  return SIZE_CLASSES[SIZE_CLASSES.length - 1]!.employees;
}

function planTenant(prng: Prng, index: number): DemoTenantPlan {
  const slug = `${SLUG_WORDS[index % SLUG_WORDS.length]}_${String(index + 1).padStart(4, '0')}`;
  const employees = between(prng, sizeClass(prng));
  const activeEmployees = employees - Math.floor(employees / INACTIVE_EMPLOYEE_EVERY);
  // The first tenant has a run in every status, so even a one-tenant demo shows them all.
  const first = index === 0;
  const payrollRuns: PayrollRunCounts = {
    completed: between(prng, COMPLETED_RUNS),
    failed: first ? 1 : between(prng, FAILED_RUNS),
    inProgress: first ? 1 : between(prng, IN_PROGRESS_RUNS),
    pending: PENDING_RUNS,
  };
  const flags = Object.fromEntries(DEMO_FEATURE_FLAGS.map((f) => [f.key, prng.chance(f.adoption)])) as Record<DemoFeatureFlag, boolean>;
  return {
    id: index + 1,
    slug,
    schema: `${TENANT_SCHEMA_PREFIX}${slug}`,
    displayName: `${slug.split('_')[0]!.replace(/^./, (c) => c.toUpperCase())} ${index + 1}`,
    plan: prng.pick(DEMO_PLANS),
    status: first || !prng.chance(SUSPENDED_SHARE) ? 'active' : 'suspended',
    salt: prng.salt(),
    departments: between(prng, DEPARTMENTS),
    employees,
    activeEmployees,
    paySchedules: prng.int(1, 2),
    payrollRuns,
    payslips: payrollRuns.completed * activeEmployees,
    timeEntries: employees * TIME_ENTRY_DAYS,
    documents: Math.floor(employees / DOCUMENT_EVERY),
    users: between(prng, USERS_BASE) + Math.floor(employees / EMPLOYEES_PER_USER),
    openSessions: between(prng, OPEN_SESSIONS),
    closedSessions: between(prng, CLOSED_SESSIONS),
    successfulLogins: between(prng, SUCCESSFUL_LOGINS),
    failedLogins: between(prng, FAILED_LOGINS),
    securityEvents: between(prng, SECURITY_EVENTS),
    auditEvents: between(prng, AUDIT_EVENTS),
    requests: between(prng, REQUESTS),
    flags,
  };
}

export function planDemo(tenants: number, seed: number): DemoPlan {
  if (!Number.isInteger(tenants) || tenants < 1 || tenants > MAX_DEMO_TENANTS) {
    throw new Error(`demo tenants must be an integer from 1 to ${MAX_DEMO_TENANTS}, got ${tenants}`);
  }
  const prng = createPrng(seed);
  return { seed, tenants: Array.from({ length: tenants }, (_, i) => planTenant(prng, i)) };
}

/** Row counts per table (`app.*` shared tables; tenant tables summed over all tenant schemas). */
export interface DemoRowCounts {
  readonly 'app.tenants': number;
  readonly 'app.users': number;
  readonly 'app.login_events': number;
  readonly 'app.security_events': number;
  readonly 'app.audit_log': number;
  readonly 'app.feature_flags': number;
  readonly 'app.tenant_feature_flags': number;
  readonly 'app.request_log': number;
  readonly departments: number;
  readonly employees: number;
  readonly pay_schedules: number;
  readonly payroll_runs: number;
  readonly payslips: number;
  readonly time_entries: number;
  readonly sessions: number;
  readonly documents: number;
}

const sum = (plan: DemoPlan, f: (t: DemoTenantPlan) => number): number => plan.tenants.reduce((n, t) => n + f(t), 0);
const runs = (r: PayrollRunCounts): number => r.completed + r.failed + r.inProgress + r.pending;

export function rowCounts(plan: DemoPlan): DemoRowCounts {
  return {
    'app.tenants': plan.tenants.length,
    'app.users': sum(plan, (t) => t.users),
    'app.login_events': sum(plan, (t) => t.successfulLogins + t.failedLogins),
    'app.security_events': sum(plan, (t) => t.securityEvents),
    'app.audit_log': sum(plan, (t) => t.auditEvents),
    'app.feature_flags': DEMO_FEATURE_FLAGS.length,
    'app.tenant_feature_flags': plan.tenants.length * DEMO_FEATURE_FLAGS.length,
    'app.request_log': sum(plan, (t) => t.requests),
    departments: sum(plan, (t) => t.departments),
    employees: sum(plan, (t) => t.employees),
    pay_schedules: sum(plan, (t) => t.paySchedules),
    payroll_runs: sum(plan, (t) => runs(t.payrollRuns)),
    payslips: sum(plan, (t) => t.payslips),
    time_entries: sum(plan, (t) => t.timeEntries),
    sessions: sum(plan, (t) => t.openSessions + t.closedSessions),
    documents: sum(plan, (t) => t.documents),
  };
}
