/** `npm run doctor` flags, parsed strictly; URLs may come from the environment instead (no password in `ps`). */
import { parseArgs } from 'node:util';

export const DEFAULT_MONITOR_ROLE = 'tenantwatch_monitor';
/** Lowercase, so the name is the same quoted or not (it appears in SQL text and in format() strings). */
export const ROLE_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
export const DoctorEnvVar = { DatabaseUrl: 'DATABASE_URL', StateDatabaseUrl: 'STATE_DATABASE_URL' } as const;

export const DOCTOR_USAGE = `Usage: npm run doctor -- --database-url URL [options]

Checks a PostgreSQL database's prerequisites for tenantwatch, connecting exactly as the
collector does (read-only), and prints a checklist with the fix for each failure. Exit
code 0 when every required check passes (warnings do not fail), 1 when one fails.

Options:
  --database-url URL         the monitored database, as the monitoring role
                             (default: $${DoctorEnvVar.DatabaseUrl})
  --state-database-url URL   also check the monitoring (state) database
                             (default: $${DoctorEnvVar.StateDatabaseUrl})
  --config FILE              a tenantwatch deployment config: its target's collector settings
                             (SQL sources, tenant discovery, timeouts); default: the defaults
  --target NAME              which target of --config (default: the first)
  --print-role-sql           print the SQL that creates the monitoring role for the configured
                             sources and tenants, instead of checking (connect as an
                             administrator: it reads which tables each source uses)
  --role NAME                the role --print-role-sql creates (default ${DEFAULT_MONITOR_ROLE})
  --help                     this text
`;

export interface DoctorArgs {
  readonly databaseUrl: string;
  readonly stateDatabaseUrl?: string;
  readonly config?: string;
  readonly target?: string;
  readonly printRoleSql: boolean;
  readonly role: string;
}

export type ParsedDoctorArgs = { readonly help: true } | { readonly help: false; readonly args: DoctorArgs };

export class DoctorUsageError extends Error {
  override readonly name = 'DoctorUsageError';
}

export function parseDoctorArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedDoctorArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'database-url': { type: 'string' },
        'state-database-url': { type: 'string' },
        config: { type: 'string' },
        target: { type: 'string' },
        'print-role-sql': { type: 'boolean', default: false },
        role: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new DoctorUsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  const databaseUrl = values['database-url'] ?? env[DoctorEnvVar.DatabaseUrl];
  if (!databaseUrl) throw new DoctorUsageError(`give --database-url URL (or set ${DoctorEnvVar.DatabaseUrl})`);
  if (values.target !== undefined && values.config === undefined) throw new DoctorUsageError('--target selects a target of --config: give --config too');
  if (values.role !== undefined && !values['print-role-sql']) throw new DoctorUsageError('--role names the role --print-role-sql creates: give --print-role-sql too');
  const role = values.role ?? DEFAULT_MONITOR_ROLE;
  if (!ROLE_NAME_PATTERN.test(role)) throw new DoctorUsageError(`--role must be a lowercase identifier (a-z, 0-9, _; at most 63 characters), not ${role}`);
  const stateDatabaseUrl = values['state-database-url'] ?? env[DoctorEnvVar.StateDatabaseUrl];
  return {
    help: false,
    args: {
      databaseUrl,
      printRoleSql: values['print-role-sql'],
      role,
      ...(stateDatabaseUrl ? { stateDatabaseUrl } : {}),
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.target === undefined ? {} : { target: values.target }),
    },
  };
}
