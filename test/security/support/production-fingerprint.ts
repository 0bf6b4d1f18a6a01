/**
 * Everything a write to the production database could change, read as a superuser:
 * - every user table's rows (md5 of their text form, system columns excluded, ordered by
 *   primary key) and row count;
 * - every relation's relfilenode (a TRUNCATE, VACUUM FULL, CLUSTER or table rewrite gives
 *   it a new one), relkind and name, and every schema's name (a temporary table would add
 *   a pg_temp schema);
 * - every sequence's last value, roles and their settings, extensions;
 * - the tables' write counters (tuples inserted, updated, deleted, HOT-updated): they count
 *   rolled-back writes too, so they prove no write was even attempted and undone.
 * Stricter than test/support/runtime-fixtures.ts's databaseChecksum (contents only), which
 * the runtime tests use.
 */
import type pg from 'pg';
import { waitUntil } from '../../../lambdas/local/demo/workload.js';
import { withAdmin } from '../../support/runtime-fixtures.js';

export interface ProductionFingerprint {
  /** `schema.table` -> `rows:md5`. */
  readonly tables: Readonly<Record<string, string>>;
  readonly relations: readonly string[];
  readonly schemas: readonly string[];
  readonly sequences: readonly string[];
  readonly roles: readonly string[];
  readonly extensions: readonly string[];
  /** `schema.table` -> `ins/upd/del/hot`. */
  readonly writeCounters: Readonly<Record<string, string>>;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`;
/** Statistics arrive asynchronously: equal twice this far apart counts as settled. */
const SETTLE_INTERVAL_MS = 1_000;

async function column(client: pg.Client, sql: string): Promise<string[]> {
  return (await client.query<{ v: string }>(sql)).rows.map((r) => r.v);
}

async function tableContents(client: pg.Client): Promise<Record<string, string>> {
  const { rows: tables } = await client.query<{ name: string; pk: string | null }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
            FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const t of tables) {
    // t::text is the row's columns only: xmin, ctid and the other system columns are left out.
    const order = t.pk ?? 't::text';
    const { rows } = await client.query<{ n: string; md5: string | null }>(`SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY ${order})) AS md5 FROM ${t.name} t`);
    out[t.name] = `${rows[0]!.n}:${rows[0]!.md5}`;
  }
  return out;
}

async function writeCounters(client: pg.Client): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; v: string }>(`
    SELECT format('%I.%I', schemaname, relname) AS name, concat_ws('/', n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd) AS v
    FROM pg_stat_user_tables ORDER BY 1`);
  return Object.fromEntries(rows.map((r) => [r.name, r.v]));
}

export async function productionFingerprint(superuserUrl: string): Promise<ProductionFingerprint> {
  return withAdmin(superuserUrl, async (client) => ({
    tables: await tableContents(client),
    relations: await column(client, `
      SELECT concat_ws(' ', format('%I.%I', n.nspname, c.relname), c.relkind, c.relfilenode) AS v
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS} ORDER BY 1`),
    schemas: await column(client, 'SELECT nspname AS v FROM pg_namespace ORDER BY 1'),
    sequences: await column(client, "SELECT concat_ws(' ', format('%I.%I', schemaname, sequencename), last_value) AS v FROM pg_sequences ORDER BY 1"),
    roles: await column(client, `
      SELECT concat_ws(' ', r.rolname, r.rolsuper, r.rolcanlogin, r.rolconnlimit, r.rolvaliduntil,
                       (SELECT array_agg(cfg ORDER BY cfg) FROM pg_db_role_setting s, unnest(s.setconfig) cfg WHERE s.setrole = r.oid)) AS v
      FROM pg_roles r ORDER BY 1`),
    extensions: await column(client, "SELECT extname || ' ' || extversion AS v FROM pg_extension ORDER BY 1"),
    writeCounters: await writeCounters(client),
  }));
}

/** Waits until the write counters stop moving (the statistics of finished sessions have arrived). */
export async function settledWriteCounters(superuserUrl: string): Promise<void> {
  await withAdmin(superuserUrl, async (client) => {
    let last = JSON.stringify(await writeCounters(client));
    await waitUntil(async () => {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
      const now = JSON.stringify(await writeCounters(client));
      const settled = now === last;
      last = now;
      return settled;
    }, 'the table write counters to settle');
  });
}
