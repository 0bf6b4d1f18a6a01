/** Tenant helpers: schema references in SQL text, the top-N cap, dimension values, log tables, sampling. */
import { describe, expect, it } from 'vitest';
import { rotatingSample } from '../../lambdas/collector/collectors/tenants/schema-switch.js';
import { BLANK_DIMENSION_VALUE, dimensionValue } from '../../lambdas/collector/tenants/dimension-value.js';
import { tableLogLines } from '../../lambdas/collector/tenants/log-table.js';
import { qualifiers, referencedTenantSchemas } from '../../lambdas/collector/tenants/schema-references.js';
import { topByScore } from '../../lambdas/collector/tenants/top-tenants.js';

const tenants = new Set(['tenant_a', 'tenant_b', 'Tenant C', 'tenant_"; drop table x; --']);

describe('referencedTenantSchemas', () => {
  it.each([
    ['SELECT * FROM tenant_a.employees a JOIN tenant_b.employees b ON a.id = b.id', ['tenant_a', 'tenant_b']],
    ['SELECT * FROM TENANT_A.employees, "tenant_b" . payslips', ['tenant_a', 'tenant_b']],
    ['SELECT * FROM "Tenant C".x JOIN "tenant_""; drop table x; --".y USING (id)', ['Tenant C', 'tenant_"; drop table x; --']],
    ['SELECT * FROM "TENANT_A".x', []],
    ['SELECT * FROM tenant_a.x WHERE note = \'tenant_b.x\' -- tenant_b.y\n /* tenant_b.z /* nested */ tenant_b.w */', ['tenant_a']],
    ["SELECT E'it\\'s tenant_b.x', $$ tenant_b.x $$, $tag$ tenant_b.y $tag$ FROM tenant_a.x WHERE id = $1", ['tenant_a']],
    ['SELECT tenant_a FROM tenant_b', []],
    ['SELECT count(*) FROM employees', []],
    ['SELECT * FROM db.tenant_a.x, tenant_b.f()', ['tenant_a', 'tenant_b']],
  ])('%s', (sql, expected) => {
    // Act / Assess
    expect(referencedTenantSchemas(sql, tenants)).toEqual(expected);
  });

  it('folds unquoted identifiers to lower case, as PostgreSQL does', () => {
    // Act / Assess
    expect([...qualifiers('SELECT Alpha.x, "Beta".y, gamma . z FROM t')]).toEqual(['alpha', 'Beta', 'gamma']);
  });
});

describe('topByScore', () => {
  const entries = [{ k: 'c', v: 5 }, { k: 'a', v: 5 }, { k: 'b', v: 9 }, { k: 'd', v: 0 }, { k: 'e', v: 1 }];

  it('keeps the n highest positive scores, ties to the lower key', () => {
    // Act / Assess
    expect(topByScore(entries, 3, (e) => e.v, (e) => e.k).map((e) => e.k)).toEqual(['b', 'a', 'c']);
    expect(topByScore(entries, 10, (e) => e.v, (e) => e.k).map((e) => e.k)).toEqual(['b', 'a', 'c', 'e']);
    expect(topByScore(entries, 0, (e) => e.v, (e) => e.k)).toEqual([]);
  });
});

describe('dimensionValue', () => {
  it('keeps printable ASCII, escapes the rest, never returns a blank or over-long value', () => {
    // Act / Assess
    expect(dimensionValue('tenant_"; drop table x; --')).toBe('tenant_"; drop table x; --');
    expect(dimensionValue('zürich\n')).toBe('z\\u{fc}rich\\u{a}');
    expect(dimensionValue('   ')).toBe(BLANK_DIMENSION_VALUE);
    const long = dimensionValue('x'.repeat(2000));
    expect(long).toHaveLength(1024);
    expect(long).toMatch(/^x{1015}~[0-9a-f]{8}$/);
    expect(dimensionValue('x'.repeat(2000))).toBe(long);
    expect(dimensionValue(`${'x'.repeat(1999)}y`)).not.toBe(long);
  });
});

describe('tableLogLines', () => {
  it('writes one line when the table fits, and numbered parts when it does not', () => {
    // Prepare
    const rows = Array.from({ length: 10 }, (_, i) => [`tenant_${i}`, i]);
    // Act
    const one = tableLogLines('tenant_activity', { tenants: 10 }, ['tenant', 'n'], rows);
    const split = tableLogLines('tenant_activity', { tenants: 10 }, ['tenant', 'n'], rows, 100);
    // Assess
    expect(one).toEqual([{ event: 'tenant_activity', fields: { tenants: 10, columns: ['tenant', 'n'], rows } }]);
    expect(split.length).toBeGreaterThan(1);
    expect(split.every((l, i) => l.fields.part === i + 1 && l.fields.parts === split.length && JSON.stringify(l.fields).length <= 100 + 40)).toBe(true);
    expect(split.flatMap((l) => l.fields.rows as unknown[])).toEqual(rows);
  });
});

describe('rotatingSample', () => {
  const list = ['a', 'b', 'c', 'd', 'e'].map((s) => ({ schema: s, name: s }));
  const minute = (m: number) => new Date(m * 60_000);

  it('takes the sample size from an offset that moves every minute, wrapping around', () => {
    // Act / Assess
    expect(rotatingSample(list, 2, minute(0)).map((t) => t.schema)).toEqual(['a', 'b']);
    expect(rotatingSample(list, 2, minute(1)).map((t) => t.schema)).toEqual(['c', 'd']);
    expect(rotatingSample(list, 2, minute(2)).map((t) => t.schema)).toEqual(['e', 'a']);
    expect(rotatingSample(list, 9, minute(1)).map((t) => t.schema)).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(rotatingSample([], 3, minute(1))).toEqual([]);
  });
});
