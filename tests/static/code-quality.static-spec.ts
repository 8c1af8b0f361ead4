import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const res = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 600000 });
  return { status: res.status, output: `${res.stdout}\n${res.stderr}`.trim() };
}

/** The static checks CI runs, as tests, so that they count in the one pass/fail line. */
describe('code quality', () => {
  it('type-checks with strict TypeScript (apps, libs, tests)', () => {
    const res = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
    if (res.status !== 0) throw new Error(`tsc failed:\n${res.output}`);
  });

  it('passes ESLint (no-floating-promises, no-misused-promises, switch-exhaustiveness-check, ...)', () => {
    const res = run('npx', ['eslint', '.', '--max-warnings', '0']);
    if (res.status !== 0) throw new Error(`eslint failed:\n${res.output}`);
  });

  it('is formatted with Prettier', () => {
    const res = run('npx', ['prettier', '--check', '.']);
    if (res.status !== 0) throw new Error(`prettier --check failed (run npm run format):\n${res.output}`);
  });
});
