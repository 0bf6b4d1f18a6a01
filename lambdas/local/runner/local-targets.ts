/**
 * The databases of a local run: the embedded PostgreSQL with the demo payroll database,
 * or the user's database (never written to) with state kept elsewhere: in a
 * `tenantwatch_state` database next to the embedded demo, on a state URL, or on an
 * embedded server started just for state.
 */
import { type PostgresServer, startPostgres } from '../embedded-postgres.js';
import { createDemoDatabase } from '../demo/create.js';

export const DEMO_DATABASE = 'tenantwatch_demo';
export const STATE_DATABASE = 'tenantwatch_state';

export interface LocalTargets {
  readonly productionUrl: string;
  readonly stateUrl: string;
  /** True when productionUrl is the embedded demo (the workload may run against it). */
  readonly demo: boolean;
  /** Stops every server this run started (idempotent); resolves to how many it stopped. */
  stop(): Promise<number>;
}

export interface LocalTargetOptions {
  readonly databaseUrl?: string;
  readonly stateDatabaseUrl?: string;
  readonly tenants: number;
  readonly progress: (message: string) => void;
}

export async function prepareLocalTargets(options: LocalTargetOptions): Promise<LocalTargets> {
  const servers: PostgresServer[] = [];
  const stop = async () => {
    const stopping = servers.splice(0);
    await Promise.allSettled(stopping.map((s) => s.stop()));
    return stopping.length;
  };
  try {
    let productionUrl = options.databaseUrl;
    let server: PostgresServer | undefined;
    const embedded = async (why: string) => {
      if (!server) {
        options.progress(`starting embedded PostgreSQL (${why})`);
        server = await startPostgres();
        servers.push(server);
      }
      return server;
    };
    if (productionUrl === undefined) {
      const demoServer = await embedded('demo database');
      productionUrl = await demoServer.createDatabase(DEMO_DATABASE);
      const demo = await createDemoDatabase(productionUrl, { tenants: options.tenants });
      options.progress(`created the demo payroll database: ${demo.plan.tenants.length} tenant schemas in ${demo.elapsedMs} ms`);
    }
    const stateUrl = options.stateDatabaseUrl ?? (await (await embedded('counter state')).createDatabase(STATE_DATABASE));
    return { productionUrl, stateUrl, demo: options.databaseUrl === undefined, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
