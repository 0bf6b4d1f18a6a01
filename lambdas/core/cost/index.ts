/** The CloudWatch cost model (README "Monthly CloudWatch cost"; `npm run cost` prints the table). */
export * from './alarm-units.js';
export * from './monthly-cost.js';
export * from './prices.js';
export * from './published-metrics.js';
