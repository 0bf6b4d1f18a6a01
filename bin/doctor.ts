/**
 * `npm run doctor -- --database-url URL`: checks a database's prerequisites for tenantwatch
 * (lambdas/local/doctor/cli.ts; `npm run doctor -- --help`).
 */
import { runDoctorCli } from '../lambdas/local/doctor/cli.js';

process.exitCode = await runDoctorCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
