/** The collector Lambda's entry point (bundled by lib/constructs/collector.ts). */
import { createCollectorHandler } from './runtime/handler.js';

export const handler = createCollectorHandler();
