/** The targets (#7), measured on a 2-core machine at the default config. */

/** Up to this many tenants the 1,000-tenant wall-time target applies; above it the 10,000-tenant one. */
export const THOUSAND_TENANTS = 1_000;
export const Targets = {
  wallMedianMsAt1000Tenants: 250,
  wallMedianMsAt10000Tenants: 1_500,
  statementsPerRun: 25,
  datumsPerRun: 1_000,
  peakRssMb: 150,
  /** "1 MB minified": counted as 1,000,000 bytes, the stricter reading. */
  collectorBundleBytes: 1_000_000,
  coldInitMs: 300,
} as const;

export interface TargetCheck {
  readonly target: string;
  readonly limit: number;
  readonly measured: number;
  readonly met: boolean;
}

export function check(target: string, measured: number, limit: number): TargetCheck {
  return { target, limit, measured, met: measured <= limit };
}

export function wallTargetMs(tenants: number): number {
  return tenants <= THOUSAND_TENANTS ? Targets.wallMedianMsAt1000Tenants : Targets.wallMedianMsAt10000Tenants;
}
