/** The doctor for two URLs, as text: what `npm run doctor` prints and `npm start` shows before collecting. */
import { databaseUrlConnectionSettings } from '../../collector/runtime/connection-settings-url.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { doctorExitCode, formatChecklist } from './format.js';
import { runDoctor } from './run-doctor.js';

export interface DoctorUrls {
  readonly databaseUrl: string;
  readonly stateDatabaseUrl?: string;
}

export async function doctorChecklist(urls: DoctorUrls, settings: CollectorSettings): Promise<{ readonly text: string; readonly exitCode: number }> {
  const report = await runDoctor({
    production: databaseUrlConnectionSettings(urls.databaseUrl),
    ...(urls.stateDatabaseUrl === undefined ? {} : { state: databaseUrlConnectionSettings(urls.stateDatabaseUrl) }),
    settings,
  });
  return { text: formatChecklist(report), exitCode: doctorExitCode(report.results) };
}
