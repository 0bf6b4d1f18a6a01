/**
 * The PostgreSQL majors the collector integration tests run against. CI runs all of them
 * (the matrix lives in the test files as describe.each over this list); set
 * TENANTWATCH_PG_MAJORS=18 to run a single major while iterating locally.
 */
import { DEFAULT_POSTGRES_MAJOR, PostgresMajor } from '../../lambdas/local/embedded-postgres.js';

const all: readonly PostgresMajor[] = [PostgresMajor.V14, PostgresMajor.V16, PostgresMajor.V18];

export function testedMajors(): readonly PostgresMajor[] {
  const wanted = process.env.TENANTWATCH_PG_MAJORS;
  if (!wanted) return all;
  const majors = wanted.split(',').map((s) => Number(s.trim()));
  const unknown = majors.filter((m) => !all.includes(m as PostgresMajor));
  if (unknown.length) throw new Error(`TENANTWATCH_PG_MAJORS: unsupported major(s) ${unknown.join(', ')}; supported: ${all.join(', ')}`);
  return majors as PostgresMajor[];
}

export { DEFAULT_POSTGRES_MAJOR };
