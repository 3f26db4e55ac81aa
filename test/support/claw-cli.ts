// Runs the real `claw` terminal client as a child process, the way a person runs `npx claw`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface ClawRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` is laid over this process's environment; an undefined value leaves the variable out (spawn skips it). */
export function runClaw(args: string[], env: Record<string, string | undefined>): Promise<ClawRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['src/cli/claw.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
