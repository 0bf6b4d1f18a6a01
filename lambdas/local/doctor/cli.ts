/**
 * `npm run doctor`: check a database's prerequisites (the checklist, exit 1 when a required
 * check fails), or with --print-role-sql print the monitoring role's SQL for the configured
 * sources and tenants. Both connect read-only. Nothing printed holds a password: URLs are
 * described without it and every line passes the redactor.
 */
import type { ConnectionSettingsProvider } from '../../collector/runtime/connection-settings.js';
import { databaseUrlConnectionSettings } from '../../collector/runtime/connection-settings-url.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../collector/runtime/pg-client.js';
import { openProductionConnection } from '../../collector/runtime/production-connection.js';
import { emptyQueryStats } from '../../collector/runtime/query-stats.js';
import { discoverTenants } from '../../collector/tenants/discovery.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { redact } from '../../core/log/redact.js';
import { localRunPlan } from '../runner/local-plan.js';
import { DOCTOR_USAGE, type DoctorArgs, DoctorUsageError, parseDoctorArgs } from './args.js';
import { messageOf } from './check.js';
import { doctorChecklist } from './checklist.js';
import { DoctorExit } from './format.js';
import { monitoringRoleSql } from './role-sql.js';
import { configuredRelations } from './source-relations.js';

export interface DoctorIo {
  out(text: string): void;
  err(text: string): void;
}

/** Prints the role SQL; 1 when a source could not be analysed (its grants are missing from the output). */
async function printRoleSql(production: ConnectionSettingsProvider, settings: CollectorSettings, role: string, io: DoctorIo): Promise<number> {
  const conn = await openProductionConnection(await production.get(), {
    statementTimeoutMs: settings.statementTimeoutMs,
    lockTimeoutMs: settings.lockTimeoutMs,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    stats: emptyQueryStats(),
  });
  try {
    const tenants = await discoverTenants(conn.db, settings.tenants);
    const relations = await configuredRelations(conn.db, settings, tenants);
    io.out(monitoringRoleSql(relations, settings, role));
    for (const u of relations.unresolved) io.err(redact(`source ${u.source} could not be analysed: ${u.reason}`));
    return relations.unresolved.length ? DoctorExit.RequiredFailed : DoctorExit.Healthy;
  } finally {
    await conn.close();
  }
}

async function run(args: DoctorArgs, io: DoctorIo): Promise<number> {
  const { settings } = localRunPlan({
    databaseUrl: args.databaseUrl,
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.target === undefined ? {} : { target: args.target }),
  });
  if (args.printRoleSql) return printRoleSql(databaseUrlConnectionSettings(args.databaseUrl), settings, args.role, io);
  const checklist = await doctorChecklist(args, settings);
  io.out(checklist.text);
  return checklist.exitCode;
}

export async function runDoctorCli(argv: readonly string[], io: DoctorIo, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  try {
    const parsed = parseDoctorArgs(argv, env);
    if (parsed.help) {
      io.out(DOCTOR_USAGE);
      return DoctorExit.Healthy;
    }
    return await run(parsed.args, io);
  } catch (error) {
    if (error instanceof DoctorUsageError) {
      io.err(`${error.message}\n\n${DOCTOR_USAGE}`);
      return DoctorExit.Usage;
    }
    io.err(redact(`tenantwatch doctor failed: ${messageOf(error)}`));
    return DoctorExit.RequiredFailed;
  }
}
