/**
 * Property: whatever is wrong with a configuration, loading it fails with a message that
 * names where, never with a stack trace. Driven through the loaders the product uses:
 * readDeploymentConfig (what `cdk synth` and `npm start -- --config` call) and
 * settingsFromEnvironment (the collector Lambda's TENANTWATCH_SETTINGS at cold start).
 * Each case takes a valid configuration and breaks it at one or more places: a value of the
 * wrong type or out of range, a deleted key, an unknown key, or the whole document.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectorEnvVar, CollectorEnvironmentError, settingsFromEnvironment } from '../../lambdas/collector/runtime/environment.js';
import type { CollectorSettingsInput } from '../../lambdas/core/config/collector-settings.js';
import { ConfigError, formatPath, readDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { exampleConfig } from '../cdk/support/config.js';

type Path = readonly (string | number)[];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A stack frame as Node prints it: `    at fn (file:line:col)`. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const RUNS = 300;
/** At least this share of the generated cases must really be invalid, or the property proves little. */
const MIN_REJECTED_SHARE = 0.5;

type Mutation =
  | { readonly kind: 'set'; readonly path: Path; readonly value: Json }
  | { readonly kind: 'delete'; readonly path: Path }
  | { readonly kind: 'unknown-key'; readonly path: Path; readonly key: string; readonly value: Json };

/** Every path below the root of a JSON document; `objects` are the paths of its objects (root included). */
function pathsOf(doc: Json, at: Path = [], out = { all: [] as Path[], objects: [] as Path[] }) {
  if (at.length) out.all.push(at);
  if (Array.isArray(doc)) doc.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (doc !== null && typeof doc === 'object') {
    out.objects.push(at);
    for (const [k, v] of Object.entries(doc)) pathsOf(v, [...at, k], out);
  }
  return out;
}

/** The node at `path`, or undefined when an earlier break removed or replaced its way there. */
function nodeAt(doc: Json, path: Path): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[key];
  }
  return node;
}

/** The document with `m` applied, or undefined when `m` no longer applies to it. */
function applyMutation(doc: Json, m: Mutation): Json | undefined {
  const copy = structuredClone(doc);
  if (m.kind === 'unknown-key') {
    const target = nodeAt(copy, m.path);
    if (target === null || typeof target !== 'object' || Array.isArray(target)) return undefined;
    target[m.key] = m.value;
    return copy;
  }
  const parent = nodeAt(copy, m.path.slice(0, -1));
  const last = m.path[m.path.length - 1]!;
  if (parent === null || typeof parent !== 'object' || !(last in parent)) return undefined;
  if (m.kind === 'set') (parent as Record<string | number, Json>)[last] = m.value;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

/** Applies the breaks in order; returns the document and the breaks that applied. */
function breakDocument(doc: Json, breaks: readonly Mutation[]): { doc: Json; applied: Mutation[] } {
  const applied: Mutation[] = [];
  for (const m of breaks) {
    const next = applyMutation(doc, m);
    if (next === undefined) continue;
    doc = next;
    applied.push(m);
  }
  return { doc, applied };
}

/** Values likely to break a field: wrong types, empty, negative, huge, non-ASCII, nested. */
const badValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'zürich', '\u0000', [], {}, [null], { x: 1 }),
  fc.integer({ min: -1_000_000, max: 10_000_000 }),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 3_000, maxLength: 5_000 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Key names no schema knows. */
const unknownKey = fc.stringMatching(/^[a-z][a-zA-Z]{0,10}$/).map((k) => `unknown_${k}`);

function mutations(doc: Json): fc.Arbitrary<Mutation> {
  const { all, objects } = pathsOf(doc);
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...all), value: badValue }),
    fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...all) }),
    fc.record({ kind: fc.constant('unknown-key' as const), path: fc.constantFrom(...objects), key: unknownKey, value: badValue }),
  );
}

/** An issue at `reported` explains a break at `broken` when one path contains the other. */
function related(reported: string, broken: string): boolean {
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return within(reported, broken) || within(broken, reported);
}

/** Where a break is: the changed key, or for an unknown key the object it was added to. */
function brokenAt(m: Mutation): string {
  return formatPath(m.path);
}

describe('deployment config: every invalid file is refused with its paths, never a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantwatch-config-property-'));
  const file = join(dir, 'tenantwatch.config.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const example = exampleConfig() as unknown as Json;

  /** readDeploymentConfig's outcome for this file text: accepted, or the error it threw. */
  function load(text: string): { accepted: true } | { accepted: false; error: unknown } {
    writeFileSync(file, text);
    try {
      readDeploymentConfig(file);
      return { accepted: true };
    } catch (error) {
      return { accepted: false, error };
    }
  }

  it('breaks the example at one to three places: a ConfigError naming a path related to each break', () => {
    // Prepare
    let rejected = 0;
    const property = fc.property(fc.array(mutations(example), { minLength: 1, maxLength: 3 }), (breaks) => {
      // Act
      const { doc, applied } = breakDocument(example, breaks);
      const outcome = load(JSON.stringify(doc));
      if (outcome.accepted) return;
      rejected += 1;
      // Assess
      expect(outcome.error).toBeInstanceOf(ConfigError);
      const error = outcome.error as ConfigError;
      expect(error.message).toMatch(/^tenantwatch config .+ is invalid \(\d+ errors?\):\n {2}- /);
      expect(error.message).not.toMatch(STACK_FRAME);
      expect(error.issues.length).toBeGreaterThan(0);
      for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
      // At least one of the breaks is explained where it is (several breaks may hide each other).
      const explained = applied.some((b) => error.issues.some((i) => related(i.path, brokenAt(b))
        || (b.kind === 'unknown-key' && i.message.includes(`"${b.key}"`))));
      expect(explained, `issues ${JSON.stringify(error.issues)} for breaks ${JSON.stringify(applied).slice(0, 500)}`).toBe(true);
    });
    fc.assert(property, { numRuns: RUNS });
    expect(rejected / RUNS).toBeGreaterThan(MIN_REJECTED_SHARE);
  });

  it.each([
    ['an unparseable health-check URL', ['targets', 0, 'collector', 'healthChecks', 0, 'url'], 'not a url', 'targets[0].collector.healthChecks[0].url'],
    ['a target name that is not one', ['targets', 0, 'name'], 'Payroll Prod!', 'targets[0].name'],
  ] as const)('names the path of %s (cases the property found: they used to throw a TypeError and a raw ZodError)', (_what, path, value, expected) => {
    // Prepare
    const { doc } = breakDocument(example, [{ kind: 'set', path, value }]);
    // Act
    const outcome = load(JSON.stringify(doc));
    // Assess
    expect(outcome.accepted).toBe(false);
    if (outcome.accepted) return;
    expect(outcome.error).toBeInstanceOf(ConfigError);
    expect((outcome.error as ConfigError).issues.map((i) => i.path)).toEqual([expected]);
  });

  it('refuses any JSON document that is not a config, and any text that is not JSON, at the file level', () => {
    const notAConfig = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    fc.assert(fc.property(notAConfig, (text) => {
      // Act
      const outcome = load(text);
      // Assess
      expect(outcome.accepted).toBe(false);
      if (outcome.accepted) return;
      expect(outcome.error).toBeInstanceOf(ConfigError);
      expect((outcome.error as ConfigError).message).not.toMatch(STACK_FRAME);
      expect((outcome.error as ConfigError).issues.length).toBeGreaterThan(0);
    }), { numRuns: RUNS });
  });
});

describe('collector settings (TENANTWATCH_SETTINGS): every invalid value is refused with its paths, never a stack trace', () => {
  /** Every key of the settings schema set explicitly, so every one of them gets broken. */
  const settings: CollectorSettingsInput = {
    target: 'payroll-prod',
    runBudgetMs: 30_000,
    statementTimeoutMs: 4_000,
    lockTimeoutMs: 500,
    tenants: { schemaPattern: '^tenant_', table: { table: 'app.tenants', schemaColumn: 'schema_name', nameColumn: 'display_name', where: "status = 'active'" } },
    topTenants: 10,
    sources: [{
      name: 'logins', sql: 'SELECT count(*) AS n, tenant AS t FROM app.login_events WHERE at >= {{window_start}}',
      metrics: [{ column: 'n', metric: 'LoginAttempts' }], dimensions: { Tenant: 't' }, timeoutMs: 1_000,
    }],
    tenantChunkSize: 500,
    schemaSwitchSamples: 3,
    sourceSettleMs: 1_000,
    healthChecks: [{ name: 'api-health', url: 'https://api.example.com/health', timeoutMs: 2_000, expectedStatus: [200, 204] }],
  };
  const base = settings as unknown as Json;
  /** prettifyError marks each issue's path as `  → at <path>`; root-level issues have none. */
  const reportedPaths = (message: string) => [...message.matchAll(/^\s+→ at (.+)$/gm)].map((m) => m[1]!);

  function load(text: string): { accepted: true } | { accepted: false; error: unknown } {
    try {
      settingsFromEnvironment({ [CollectorEnvVar.Settings]: text });
      return { accepted: true };
    } catch (error) {
      return { accepted: false, error };
    }
  }

  it('is valid as a whole before it is broken', () => {
    expect(load(JSON.stringify(base))).toEqual({ accepted: true });
  });

  it('breaks it at one to three places: a CollectorEnvironmentError naming a path related to each break', () => {
    let rejected = 0;
    fc.assert(fc.property(fc.array(mutations(base), { minLength: 1, maxLength: 3 }), (breaks) => {
      // Act
      const { doc, applied } = breakDocument(base, breaks);
      const outcome = load(JSON.stringify(doc));
      if (outcome.accepted) return;
      rejected += 1;
      // Assess
      expect(outcome.error).toBeInstanceOf(CollectorEnvironmentError);
      const message = (outcome.error as Error).message;
      expect(message).toMatch(/^TENANTWATCH_SETTINGS is invalid:\n✖ /);
      expect(message).not.toMatch(STACK_FRAME);
      const paths = reportedPaths(message);
      const explained = applied.some((b) => paths.some((p) => related(p, brokenAt(b)))
        || (b.kind === 'unknown-key' && message.includes(`"${b.key}"`)));
      expect(explained, `${message}\nfor breaks ${JSON.stringify(applied).slice(0, 500)}`).toBe(true);
    }), { numRuns: RUNS });
    expect(rejected / RUNS).toBeGreaterThan(MIN_REJECTED_SHARE);
  });

  it('refuses anything that is not a settings object, and text that is not JSON', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 })), (text) => {
      const outcome = load(text);
      expect(outcome.accepted).toBe(false);
      if (outcome.accepted) return;
      expect(outcome.error).toBeInstanceOf(CollectorEnvironmentError);
      expect((outcome.error as Error).message).toMatch(/^TENANTWATCH_SETTINGS (is not set|is not valid JSON|is invalid)/);
      expect((outcome.error as Error).message).not.toMatch(STACK_FRAME);
    }), { numRuns: RUNS });
  });
});
