import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_SEED, MAX_DEMO_TENANTS, planDemo, rowCounts } from '../../lambdas/local/demo/plan.js';
import { createPrng } from '../../lambdas/local/demo/prng.js';

describe('demo PRNG', () => {
  it('repeats its sequence for a seed and differs for another seed', () => {
    // Prepare
    const draw = (seed: number) => {
      const prng = createPrng(seed);
      return Array.from({ length: 5 }, () => prng.int(1, 1_000_000));
    };
    // Act
    const a = draw(1);
    const b = draw(1);
    const c = draw(2);
    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('stays inside inclusive integer ranges and rejects bad input', () => {
    // Prepare
    const prng = createPrng(DEFAULT_DEMO_SEED);
    // Act
    const draws = Array.from({ length: 2_000 }, () => prng.int(3, 5));
    // Assess
    expect(new Set(draws)).toEqual(new Set([3, 4, 5]));
    expect(() => prng.int(5, 3)).toThrow('empty range');
    expect(() => createPrng(1.5)).toThrow('must be an integer');
  });
});

describe('demo plan', () => {
  it('is identical for the same seed, with unique tenant schemas and every payroll status in the first tenant', () => {
    // Prepare, Act
    const plan = planDemo(50, 99);
    const again = planDemo(50, 99);
    // Assess
    expect(again).toEqual(plan);
    expect(new Set(plan.tenants.map((t) => t.schema)).size).toBe(50);
    expect(plan.tenants.every((t) => /^tenant_[a-z]+_\d{4}$/.test(t.schema))).toBe(true);
    const first = plan.tenants[0]!.payrollRuns;
    expect([first.failed, first.inProgress, first.pending]).toEqual([1, 1, 1]);
    expect(first.completed).toBeGreaterThan(0);
  });

  it('derives payslips from active employees and completed runs', () => {
    // Prepare
    const plan = planDemo(20, DEFAULT_DEMO_SEED);
    // Act
    const counts = rowCounts(plan);
    // Assess
    for (const t of plan.tenants) {
      expect(t.payslips).toBe(t.payrollRuns.completed * t.activeEmployees);
      expect(t.activeEmployees).toBe(t.employees - Math.floor(t.employees / 17));
    }
    expect(counts.payslips).toBe(plan.tenants.reduce((n, t) => n + t.payslips, 0));
    expect(counts['app.tenant_feature_flags']).toBe(20 * 6);
  });

  it.each([0, -1, 1.5, MAX_DEMO_TENANTS + 1])('rejects %s tenants', (n) => {
    // Prepare, Act, Assess
    expect(() => planDemo(n, 1)).toThrow(`demo tenants must be an integer from 1 to ${MAX_DEMO_TENANTS}`);
  });
});
