import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PrivateStack } from '../support/private-stack';
import { CLICKHOUSE_URL } from '../support/test-env';

describe('deploy/local/stack.sh', () => {
  const stack = new PrivateStack();

  beforeAll(() => stack.allocatePorts());
  afterAll(() => stack.destroy());

  it('refuses a port that another process holds, naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(stack.ports.chHttp, '127.0.0.1', r));
    try {
      const res = await stack.run(['up', 'clickhouse']);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(`port ${stack.ports.chHttp} (needed by clickhouse http) is already taken`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('says clearly when java or mvn is missing', async () => {
    // a PATH with every command of this machine except java and mvn
    const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
      let entries: string[] = [];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of entries) {
        if (['java', 'mvn'].includes(name)) continue;
        try {
          symlinkSync(join(dir, name), join(bin, basename(name)));
        } catch {
          // first one on PATH wins
        }
      }
    }
    const res = await stack.run(['up', 'kafka'], { PATH: bin });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/'java' is not installed/);
  });

  it('`down` stops only what it started: a state folder with no processes leaves the shared stack alone', async () => {
    const res = await stack.run(['down']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/kafka not running/);
    expect(res.stderr).toMatch(/clickhouse not running/);
    const ping = await fetch(`${CLICKHOUSE_URL}/ping`);
    expect(await ping.text()).toBe('Ok.\n');
  });

  it('`status` reports each server', async () => {
    const res = await stack.run(['status']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^kafka: stopped$/m);
    expect(res.stdout).toMatch(/^clickhouse: stopped$/m);
  });

  it('keeps ClickHouse data on tmpfs by default, and `reset` leaves nothing of it in memory', async () => {
    let tmpfs = true;
    try {
      accessSync('/dev/shm', constants.W_OK);
    } catch {
      tmpfs = false;
    }
    const up = await stack.run(['up', 'clickhouse']);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('CLICKHOUSE_STORAGE=memory');
    const root = readFileSync(join(stack.stateDir, 'clickhouse', 'data-root'), 'utf8').trim();
    if (tmpfs) expect(root).toMatch(/^\/dev\/shm\/cdp-clickhouse-\d+$/);
    else expect(root).toBe(join(stack.stateDir, 'clickhouse'));
    const ping = await fetch(`${stack.clickhouseUrl}/ping`);
    expect(await ping.text()).toBe('Ok.\n');
    expect(readdirSync(join(root, 'data')).length).toBeGreaterThan(0);
    const reset = await stack.run(['reset']);
    expect(reset.code).toBe(0);
    if (tmpfs) expect(existsSync(root)).toBe(false);
  });

  it('refuses an unknown CLICKHOUSE_STORAGE, naming it', async () => {
    const res = await stack.run(['status'], { CLICKHOUSE_STORAGE: 'ram' });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('CLICKHOUSE_STORAGE must be memory or disk (got "ram")');
  });
});
