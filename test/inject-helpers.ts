import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const registerHook = fileURLToPath(new URL('../src/inject/register.js', import.meta.url));
const appScript = fileURLToPath(new URL('./fixtures/inject-app.js', import.meta.url));

/** The environment of a child with the fault switch set as given, or removed. */
export function switchEnv(inject: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.FAULTLINE_INJECT;
  if (inject !== undefined) env.FAULTLINE_INJECT = inject;
  return env;
}

export interface App {
  url: string;
  enabled: boolean;
  child: ChildProcess;
  stderr(): string;
}

/** Starts test/fixtures/inject-app in its own process; it is killed by pid after the file. */
export async function startApp(
  framework: 'http' | 'express' | 'fastify',
  options: unknown,
  inject: string | undefined,
): Promise<App> {
  const child = spawn(process.execPath, [appScript, framework, JSON.stringify(options)], {
    env: switchEnv(inject),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [port, enabled] = await new Promise<[string, string]>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening (\d+) (true|false)/.exec(stdout);
      if (match) resolve([match[1]!, match[2]!]);
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}: ${stderr}`)));
  });
  return { url: `http://127.0.0.1:${port}`, enabled: enabled === 'true', child, stderr: () => stderr };
}

/** Runs `node [--import register] -e SCRIPT` to completion. */
export function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
  withHook = true,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [...(withHook ? ['--import', registerHook] : []), '--input-type=module', '-e', script];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
