/** The collector Lambda's entry point (bundled by lib/constructs/collector.ts). */
import { createCollectorHandler } from './runtime/handler.js';

// A warm Lambda keeps its database connection for the next scheduled run (kept-connection.ts).
export const handler = createCollectorHandler({ keepConnection: true });
