import {
  compact,
  FieldReader,
  isJsonObject,
  joinPath,
  parseAmount,
  Problems,
  readRoot,
  textOf,
  VALIDATION_FAILED,
} from './payload-reader';

const reader = (value: Record<string, unknown>, path = '') => {
  const problems = new Problems();
  return { r: new FieldReader(value, path, problems), problems };
};

describe('helpers', () => {
  it('isJsonObject accepts plain objects only', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject('x')).toBe(false);
  });

  it('joinPath builds JSON paths', () => {
    expect(joinPath('', 'userId')).toBe('userId');
    expect(joinPath('batch[3]', 'event')).toBe('batch[3].event');
    expect(joinPath('items', 0)).toBe('items[0]');
  });

  it('parseAmount reads numbers and numeric strings', () => {
    expect(parseAmount(259)).toBe(259);
    expect(parseAmount(' 259.00 ')).toBe(259);
    expect(parseAmount('-1.5')).toBe(-1.5);
    expect(parseAmount('1e3')).toBe(1000);
    for (const bad of [
      '',
      'abc',
      '12,50',
      '$12',
      'Infinity',
      'NaN',
      '0x10',
      Number.NaN,
      Infinity,
      null,
      {},
    ]) {
      expect(parseAmount(bad)).toBeUndefined();
    }
  });

  it('textOf trims strings and stringifies numbers', () => {
    expect(textOf(' a ')).toBe('a');
    expect(textOf('  ')).toBeUndefined();
    expect(textOf(7)).toBe('7');
    expect(textOf(true)).toBeUndefined();
  });

  it('compact drops undefined values only', () => {
    expect(compact({ a: 1, b: undefined, c: null, d: '' })).toEqual({ a: 1, c: null, d: '' });
    expect(Object.keys(compact({ a: undefined }))).toEqual([]);
  });
});

describe('Problems', () => {
  it('uses the shared code as reason, else validation_failed', () => {
    const p = new Problems();
    expect(p.isEmpty).toBe(true);
    p.add('customer', 'x', 'missing_identifier');
    expect(p.reason).toBe('missing_identifier');
    p.add('status', 'y');
    expect(p.reason).toBe(VALIDATION_FAILED);
    expect(p.toDlq()).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'customer', message: 'x' },
        { path: 'status', message: 'y' },
      ],
    });
  });
});

describe('FieldReader', () => {
  it('reads ids, reporting missing and wrong ones', () => {
    const { r, problems } = reader({ a: ' x ', b: 5, c: '', d: {} }, 'root');
    expect(r.id('a')).toBe('x');
    expect(r.id('b')).toBe('5');
    expect(r.id('c')).toBeUndefined();
    expect(r.id('d')).toBeUndefined();
    expect(r.id('e')).toBeUndefined();
    expect(r.id('f', { required: true })).toBeUndefined();
    expect(problems.list).toEqual([
      { path: 'root.c', message: 'must be a non-empty string or a number' },
      { path: 'root.d', message: 'must be a non-empty string or a number' },
      { path: 'root.f', message: 'is required' },
    ]);
  });

  it('reads enums case-insensitively', () => {
    const { r, problems } = reader({ s: ' Completed ', t: 'lost', u: 3 });
    expect(r.oneOf('s', ['completed', 'refunded'])).toBe('completed');
    expect(r.oneOf('t', ['completed', 'refunded'])).toBeUndefined();
    expect(r.oneOf('u', ['completed'])).toBeUndefined();
    expect(problems.list).toEqual([
      { path: 't', message: 'must be one of: completed, refunded' },
      { path: 'u', message: 'must be one of: completed' },
    ]);
  });

  it('reads slugs', () => {
    const { r, problems } = reader({ a: ' Google_Ads ', b: 'has space', c: 'x:y' });
    expect(r.slug('a')).toBe('google_ads');
    expect(r.slug('b')).toBeUndefined();
    expect(r.slug('c')).toBeUndefined();
    expect(problems.list.map((p) => p.path)).toEqual(['b', 'c']);
  });

  it('reads amounts and currencies', () => {
    const { r, problems } = reader({ a: '1.5', b: -1, c: 'x', cur: ' usd ', bad: 'dollars' });
    expect(r.amount('a')).toBe(1.5);
    expect(r.amount('b', { code: 'invalid_revenue' })).toBeUndefined();
    expect(r.amount('c')).toBeUndefined();
    expect(r.currency('cur')).toBe('USD');
    expect(r.currency('bad')).toBeUndefined();
    expect(problems.list).toEqual([
      { path: 'b', message: 'must not be negative' },
      { path: 'c', message: 'must be a number' },
      { path: 'bad', message: 'must be a three-letter currency code such as USD' },
    ]);
    expect(problems.reason).toBe('validation_failed');
  });

  it('reads nested objects with nested paths and string arrays with indexes', () => {
    const { r, problems } = reader({ content: { topics: ['a', 2, 'c'] }, target: 'p-1' });
    expect(r.object('content')?.stringArray('topics')).toBeUndefined();
    expect(r.object('target')).toBeUndefined();
    expect(problems.list).toEqual([
      { path: 'content.topics[1]', message: 'must be a string' },
      { path: 'target', message: 'must be an object' },
    ]);
  });

  it('reads identifiers: junk is absent, malformed is a problem', () => {
    const { r, problems } = reader({ e1: 'Lin@Example.com', e2: 'null', e3: 'nope' });
    expect(r.identifier('email', 'e1')?.value).toBe('lin@example.com');
    expect(r.identifier('email', 'e2')).toBeUndefined();
    expect(r.identifier('email', 'e3')).toBeUndefined();
    expect(problems.list.map((p) => p.path)).toEqual(['e3']);
  });

  it('readRoot rejects non-objects with a $ problem', () => {
    const problems = new Problems();
    expect(readRoot([1], problems)).toBeUndefined();
    expect(problems.toDlq()).toEqual({
      kind: 'dlq',
      reason: 'not_an_object',
      problems: [{ path: '$', message: 'must be a JSON object' }],
    });
  });
});
