import { loadConfig, ConfigError } from '@cdp/config';
import { CollectorEnv } from './collector.env';
import { parseWriteKeys } from './write-keys';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(CollectorEnv, env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
}

describe('parseWriteKeys', () => {
  it('maps each write key to its source name', () => {
    const parsed = parseWriteKeys('wk-3f9a:web, wk-77c1:ios-app ,Zm9v+/=:backend_1');
    expect(parsed).toEqual({
      ok: true,
      keys: new Map([
        ['wk-3f9a', 'web'],
        ['wk-77c1', 'ios-app'],
        ['Zm9v+/=', 'backend_1'],
      ]),
    });
  });

  it.each<[string, RegExp]>([
    ['', /got an empty value/],
    ['   ', /got an empty value/],
    ['wk-1', /entry 1 of 1 must have exactly one ":"/],
    ['wk-1:web,', /entry 2 of 2 is empty/],
    ['wk-1:web,,wk-2:app', /entry 2 of 3 is empty/],
    ['a:b:c', /entry 1 of 1 must have exactly one ":"/],
    [':web', /entry 1 of 1 has an empty key/],
    ['wk 1:web', /entry 1 of 1 has an empty key or one with spaces/],
    ['wk-1:', /entry 1 of 1 has a source name that is not/],
    ['wk-1:web site', /entry 1 of 1 has a source name that is not/],
    ['wk-1:-web', /entry 1 of 1 has a source name that is not/],
    ['wk-1:web,wk-2:app,wk-1:ios', /entry 3 of 3 repeats the key of entry 1/],
  ])('rejects %j: %s', (value, problem) => {
    const parsed = parseWriteKeys(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toMatch(/^must be a comma-separated list of writeKey:sourceName pairs/);
      expect(parsed.problem).toMatch(problem);
    }
  });

  it('never echoes a key in the problem', () => {
    const parsed = parseWriteKeys('secret-key-123:web,secret-key-123:app');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).not.toContain('secret-key-123');
  });
});

describe('CollectorEnv', () => {
  it('defaults to one local write key and the Segment limits', () => {
    const env = loadConfig(CollectorEnv, {});
    expect(env.COLLECTOR_WRITE_KEYS).toBe('dev-write-key:web');
    expect(env.COLLECTOR_MAX_CALL_BYTES).toBe(32768);
    expect(env.COLLECTOR_MAX_REQUEST_BYTES).toBe(512000);
    expect(env.COLLECTOR_PORT).toBe(3000);
  });

  it('fails naming COLLECTOR_WRITE_KEYS when its format is bad', () => {
    const problems = problemsOf({ COLLECTOR_WRITE_KEYS: 'just-a-key' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^COLLECTOR_WRITE_KEYS must be a comma-separated list of writeKey:sourceName pairs such as dev-write-key:web \(entry 1 of 1 must have exactly one ":"/,
    );
  });

  it('validates the limits and the send timeout', () => {
    const problems = problemsOf({
      COLLECTOR_MAX_CALL_BYTES: 'big',
      COLLECTOR_MAX_REQUEST_BYTES: '10',
      COLLECTOR_KAFKA_SEND_TIMEOUT_MS: '0',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'COLLECTOR_KAFKA_SEND_TIMEOUT_MS',
      'COLLECTOR_MAX_CALL_BYTES',
      'COLLECTOR_MAX_REQUEST_BYTES',
    ]);
  });
});
