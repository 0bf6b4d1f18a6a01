/**
 * A counter epoch names the lifetime of a set of cumulative counters: they only ever grow
 * while the server keeps running and nobody resets its statistics. Collectors build it
 * with `counterEpoch()` so that the delta computation can tell a restart from a reset.
 */
import { DeltaSkipReason } from '../collector.js';

export interface EpochParts {
  /** pg_postmaster_start_time(). */
  readonly serverStartedAt: Date | string;
  /** The stats_reset of the view the counters come from (null when never reset). */
  readonly statsResetAt?: Date | string | null;
}

const SERVER = 'server=';
const STATS = ';stats=';
const NEVER = 'never';

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function counterEpoch(parts: EpochParts): string {
  const stats = parts.statsResetAt == null ? NEVER : iso(parts.statsResetAt);
  return `${SERVER}${iso(parts.serverStartedAt)}${STATS}${stats}`;
}

function serverPart(epoch: string): string | undefined {
  if (!epoch.startsWith(SERVER)) return undefined;
  const end = epoch.indexOf(STATS);
  return end < 0 ? undefined : epoch.slice(SERVER.length, end);
}

/**
 * Why the counters of `previous` cannot be compared with those of `current`. An epoch not
 * built by `counterEpoch()` can only be compared as a whole: its change counts as a reset.
 */
export function epochChangeReason(previous: string, current: string): DeltaSkipReason | undefined {
  if (previous === current) return undefined;
  const before = serverPart(previous);
  const after = serverPart(current);
  if (before !== undefined && after !== undefined && before !== after) return DeltaSkipReason.ServerRestart;
  return DeltaSkipReason.StatsReset;
}
