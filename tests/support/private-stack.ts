import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './service-process';
import { freePort, uniqueSuffix } from './test-env';

export interface StackRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A second Kafka + ClickHouse, on free ports and its own state folder, driven through
 * deploy/local/stack.sh, for tests that stop servers (the shared stack stays up).
 */
export class PrivateStack {
  readonly stateDir = join(ROOT, '.local', `private-${uniqueSuffix()}`);
  ports = { kafka: 0, controller: 0, chHttp: 0, chTcp: 0 };

  async allocatePorts(): Promise<void> {
    this.ports = {
      kafka: await freePort(),
      controller: await freePort(),
      chHttp: await freePort(),
      chTcp: await freePort(),
    };
  }

  get kafkaBrokers(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }

  get clickhouseUrl(): string {
    return `http://127.0.0.1:${this.ports.chHttp}`;
  }

  run(args: string[], extraEnv: Record<string, string> = {}): Promise<StackRun> {
    const env = {
      ...process.env,
      CDP_STATE_DIR: this.stateDir,
      KAFKA_PORT: String(this.ports.kafka),
      KAFKA_CONTROLLER_PORT: String(this.ports.controller),
      CLICKHOUSE_HTTP_PORT: String(this.ports.chHttp),
      CLICKHOUSE_TCP_PORT: String(this.ports.chTcp),
      ...extraEnv,
    };
    return new Promise((resolve) => {
      execFile(
        'bash',
        [join(ROOT, 'deploy', 'local', 'stack.sh'), ...args],
        { env, timeout: 240000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Stops it and deletes its data, also ClickHouse's folder on tmpfs (outside the state folder). */
  async destroy(): Promise<void> {
    await this.run(['reset']);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
