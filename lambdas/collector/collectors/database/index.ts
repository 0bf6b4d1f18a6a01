/**
 * The database-layer collectors, in the order the runtime runs them. Together they send
 * five statements per run: pg_stat_database, pg_stat_activity, replication status, and
 * pg_stat_statements (the run's shared counter read, which statements asks for first, then
 * the text of the ten slowest).
 */
import type { Collector } from '../../collector.js';
import { activity } from './activity.js';
import { databaseStats } from './database-stats.js';
import { replication } from './replication.js';
import { statements } from './statements.js';

export const databaseCollectors: readonly Collector[] = [databaseStats, activity, replication, statements];
