/** `npm start` flags: parsed strictly, every mistake answered with the usage text. */
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_TENANTS, MAX_DEMO_TENANTS } from '../demo/plan.js';

export const DEFAULT_INTERVAL_SECONDS = 60;
const MIN_INTERVAL_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 3_600;

export const USAGE = `Usage: npm start -- [options]

Runs the tenantwatch collector locally: the real Lambda handler, a local metric sink and
the catalog's alarm rules evaluated in memory.

Options:
  --once                       one collection (a baseline, the workload, a second sample),
                               print it and exit
  --database-url URL           collect from this PostgreSQL database instead of the embedded
                               demo (read-only; nothing is created in it)
  --state-database-url URL     where counter state lives (schema "monitoring"); default: a
                               tenantwatch_state database on the embedded server, or an
                               embedded server just for state with --database-url
  --tenants N                  demo tenant schemas (default ${DEFAULT_DEMO_TENANTS}, at most ${MAX_DEMO_TENANTS})
  --interval SECONDS           seconds between collections (default ${DEFAULT_INTERVAL_SECONDS})
  --config FILE                a tenantwatch deployment config: its target's collector
                               settings, health checks and alarm overrides are used
  --target NAME                which target of --config (default: the first)
  --help                       this text
`;

export interface LocalOptions {
  readonly once: boolean;
  readonly databaseUrl?: string;
  readonly stateDatabaseUrl?: string;
  readonly tenants: number;
  readonly intervalSeconds: number;
  readonly config?: string;
  readonly target?: string;
}

export type ParsedLocalArgs = { readonly help: true } | { readonly help: false; readonly options: LocalOptions };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, not ${text}`);
  return value;
}

export function parseLocalArgs(argv: readonly string[]): ParsedLocalArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        once: { type: 'boolean', default: false },
        'database-url': { type: 'string' },
        'state-database-url': { type: 'string' },
        tenants: { type: 'string' },
        interval: { type: 'string' },
        config: { type: 'string' },
        target: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  if (values.target !== undefined && values.config === undefined) throw new UsageError('--target selects a target of --config: give --config too');
  return {
    help: false,
    options: {
      once: values.once,
      tenants: integer('tenants', values.tenants, DEFAULT_DEMO_TENANTS, 1, MAX_DEMO_TENANTS),
      intervalSeconds: integer('interval', values.interval, DEFAULT_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
      ...(values['database-url'] === undefined ? {} : { databaseUrl: values['database-url'] }),
      ...(values['state-database-url'] === undefined ? {} : { stateDatabaseUrl: values['state-database-url'] }),
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.target === undefined ? {} : { target: values.target }),
    },
  };
}
