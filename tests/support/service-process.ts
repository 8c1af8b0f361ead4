import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './test-env';

export const ROOT = join(__dirname, '..', '..');

/** Where the output of every service a test starts is written (`<name>-<port>-<pid>.log`). */
export const LOG_DIR = process.env.CDP_SERVICE_LOG_DIR ?? join(ROOT, '.local', 'service-logs');

export type ServiceName = 'collector' | 'ingest' | 'segmenter' | 'campaign' | 'api';

/** The variable that sets each service's HTTP port. */
export const PORT_VARIABLE: Record<ServiceName, string> = {
  collector: 'COLLECTOR_PORT',
  ingest: 'INGEST_METRICS_PORT',
  segmenter: 'SEGMENTER_METRICS_PORT',
  campaign: 'CAMPAIGN_METRICS_PORT',
  api: 'API_PORT',
};

/** A built service (dist/) running as a child process, with its output captured. */
export class ServiceProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<number | null>;
  private child: ChildProcess;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    env: Record<string, string>,
    /** Options for node itself (e.g. `--cpu-prof`). */
    nodeArgs: readonly string[] = [],
  ) {
    // as the services are started everywhere (package.json, scripts/platform.sh, Dockerfile)
    const args = [
      '--max-semi-space-size=32',
      ...nodeArgs,
      join(ROOT, 'dist', 'apps', name, 'src', 'main.js'),
    ];
    this.child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HTTP_HOST: '127.0.0.1',
        [PORT_VARIABLE[name]]: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    collectLines(this.child.stdout, this.stdout);
    collectLines(this.child.stderr, this.stderr);
    // every service's output is also kept in a file, to diagnose a failed CI run afterwards
    mkdirSync(LOG_DIR, { recursive: true });
    const log = createWriteStream(join(LOG_DIR, `${name}-${port}-${this.child.pid ?? 'x'}.log`));
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.child.on('close', () => log.end());
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The process id (undefined when it did not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(this.url(path), { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  }

  async waitForStatus(path: string, status: number, timeoutMs = 30000): Promise<void> {
    await eventually(
      async () => (await this.get(path)).status === status,
      timeoutMs,
      `${this.name} ${path} to answer ${status}; output:\n${this.output()}`,
    );
  }

  /** Resolves with the exit code. */
  exitCode(): Promise<number | null> {
    return this.exited;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  output(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }

  /** stdout parsed as JSON lines (throws on a line that is not JSON). */
  jsonLines(): Record<string, unknown>[] {
    return this.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buf += chunk;
    let idx: number;
    while ((idx = buf.indexOf('\n')) >= 0) {
      into.push(buf.slice(0, idx));
      buf = buf.slice(idx + 1);
    }
  });
  stream?.on('end', () => {
    if (buf) into.push(buf);
  });
}

/** Runs a built service with a config that must be rejected; resolves with its exit code and output. */
export async function runToExit(
  name: ServiceName,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = new ServiceProcess(name, 1, env);
  const timer = setTimeout(() => void proc.stop('SIGKILL'), 20000);
  const code = await proc.exitCode();
  clearTimeout(timer);
  return { code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') };
}
