/** An npm script run as a user runs it (`npm run <script> --silent -- <args>`), its output captured. */
import { spawn } from 'node:child_process';

export interface NpmRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runNpmScript(script: string, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<NpmRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', script, '--silent', '--', ...args], { env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
