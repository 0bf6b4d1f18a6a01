/**
 * `npm run bench` flags. Strict: an unknown flag or a bad value is an error that names the
 * flag, never silently a default (a benchmark run with the wrong scale wastes minutes).
 */
import { DEFAULT_COLLECTOR_MEMORY_MB, MAX_LAMBDA_MEMORY_MB, MIN_LAMBDA_MEMORY_MB } from '../../lambdas/core/config/deployment.js';
import { DEFAULT_POSTGRES_MAJOR, PostgresMajor } from '../../lambdas/local/embedded-postgres.js';

export const DEFAULT_TENANTS = 1_000;
export const DEFAULT_RUNS = 20;
export const DEFAULT_WARMUP = 2;
/** Fresh Node processes per Lambda for the cold-init median. */
export const DEFAULT_COLD_STARTS = 7;
/** The floor for the scale database is 9,000 entries; a round number above it. */
export const DEFAULT_STATEMENT_ENTRIES = 10_000;
/** The cache: `.tenantwatch/` is gitignored. */
export const DEFAULT_CACHE_DIR = '.tenantwatch/bench';
/** Tenants above this take too long to build to be anything but a typo. */
const MAX_TENANTS = 20_000;
const MAX_RUNS = 1_000;

export interface BenchArgs {
  readonly tenants: number;
  readonly runs: number;
  /** Runs before the measured ones (the first is the counters' baseline). */
  readonly warmup: number;
  /** Only the bundle sizes and cold init: no database. */
  readonly bundleOnly: boolean;
  /** Print only the final JSON line (progress still goes to stderr). */
  readonly jsonOnly: boolean;
  readonly major: PostgresMajor;
  readonly coldStarts: number;
  /** pg_stat_statements entries the workload creates before the runs. */
  readonly statementEntries: number;
  /** Where scale databases are cached (one data directory per major and tenant count). */
  readonly cacheDir: string;
  /** Write the run's per-run figures to test/bench/measurements.json (the cost table reads them). */
  readonly record: boolean;
  /** The collector Lambda's memory size: the collector process gets Lambda's heap limits for it. */
  readonly memoryMb: number;
  /** Collector settings over the defaults (diagnosis only; the figures the README quotes use none). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly help: boolean;
}

export const BENCH_USAGE = `npm run bench -- [flags]
  --tenants N          tenant schemas in the scale database (default ${DEFAULT_TENANTS})
  --runs R             measured collection runs (default ${DEFAULT_RUNS})
  --warmup W           runs before the measured ones, at least 1 (default ${DEFAULT_WARMUP})
  --bundle             only the Lambda bundle sizes and cold init (no database)
  --json-only          print only the final JSON line (progress still goes to stderr)
  --major 14|16|18     PostgreSQL major (default ${DEFAULT_POSTGRES_MAJOR})
  --cold-starts N      fresh Node processes per Lambda for cold init (default ${DEFAULT_COLD_STARTS})
  --statements N       pg_stat_statements entries to create (default ${DEFAULT_STATEMENT_ENTRIES})
  --cache-dir DIR      where scale databases are kept (default ${DEFAULT_CACHE_DIR})
  --record             store the per-run figures in test/bench/measurements.json (npm run cost reads them)
  --memory MB          the collector Lambda's memory size, for its heap limits (default ${DEFAULT_COLLECTOR_MEMORY_MB}, the deployment default)
  --settings JSON      collector settings instead of the defaults, e.g. '{"sources":[]}' (diagnosis)`;

export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

function integer(flag: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined || raw.startsWith('--')) throw new BenchArgsError(`${flag} needs a value`);
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchArgsError(`${flag} must be an integer from ${min} to ${max}, got ${raw}`);
  return n;
}

function settingsObject(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) throw new BenchArgsError('--settings needs a value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new BenchArgsError(`--settings must be JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BenchArgsError('--settings must be a JSON object of collector settings');
  return parsed as Record<string, unknown>;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const majors: readonly number[] = Object.values(PostgresMajor);
  const args = {
    tenants: DEFAULT_TENANTS, runs: DEFAULT_RUNS, warmup: DEFAULT_WARMUP, bundleOnly: false, jsonOnly: false,
    major: DEFAULT_POSTGRES_MAJOR as PostgresMajor, coldStarts: DEFAULT_COLD_STARTS, statementEntries: DEFAULT_STATEMENT_ENTRIES,
    cacheDir: DEFAULT_CACHE_DIR, record: false, memoryMb: DEFAULT_COLLECTOR_MEMORY_MB, settings: {} as Readonly<Record<string, unknown>>, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--tenants': args.tenants = integer(flag, value(), 1, MAX_TENANTS); break;
      case '--runs': args.runs = integer(flag, value(), 1, MAX_RUNS); break;
      // One warm-up at least: the first run of a fresh state database only records baselines.
      case '--warmup': args.warmup = integer(flag, value(), 1, MAX_RUNS); break;
      case '--bundle': args.bundleOnly = true; break;
      case '--json-only': args.jsonOnly = true; break;
      case '--major': {
        const major = integer(flag, value(), Math.min(...majors), Math.max(...majors));
        if (!majors.includes(major)) throw new BenchArgsError(`--major must be one of ${majors.join(', ')}, got ${major}`);
        args.major = major as PostgresMajor;
        break;
      }
      case '--cold-starts': args.coldStarts = integer(flag, value(), 1, MAX_RUNS); break;
      case '--statements': args.statementEntries = integer(flag, value(), 0, 1_000_000); break;
      case '--cache-dir': {
        const dir = value();
        if (!dir || dir.startsWith('--')) throw new BenchArgsError('--cache-dir needs a value');
        args.cacheDir = dir;
        break;
      }
      case '--record': args.record = true; break;
      case '--settings': args.settings = settingsObject(value()); break;
      case '--memory': args.memoryMb = integer(flag, value(), MIN_LAMBDA_MEMORY_MB, MAX_LAMBDA_MEMORY_MB); break;
      case '--help': case '-h': args.help = true; break;
      default: throw new BenchArgsError(`unknown flag ${flag}\n${BENCH_USAGE}`);
    }
  }
  return args;
}
