import { dateTimeLiteral, identifier, inList, join, literal, quoteString, raw, sql } from './sql';

describe('quoteString', () => {
  it.each([
    ['plain', "'plain'"],
    ['', "''"],
    ["it's", "'it\\'s'"],
    ["''", "'\\'\\''"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['line\nbreak', "'line\\nbreak'"],
    ['tab\there', "'tab\\there'"],
    ['cr\r', "'cr\\r'"],
    ['nul\0byte', "'nul\\0byte'"],
    ['bell\u0007', "'bell\\x07'"],
    ['esc\u001b[0m', "'esc\\x1b[0m'"],
    ['del\u007f', "'del\\x7f'"],
    ['backspace\b formfeed\f', "'backspace\\b formfeed\\f'"],
    ['unicode 李梅 🛍️ é', "'unicode 李梅 🛍️ é'"],
    ['double "quotes" and `ticks`', '\'double "quotes" and `ticks`\''],
    ["'; DROP TABLE events; --", "'\\'; DROP TABLE events; --'"],
  ])('escapes %j', (input, expected) => {
    expect(quoteString(input)).toBe(expected);
  });

  it('never leaves an unescaped quote that could end the literal', () => {
    const nasty = "a'b\\'c\\\\'d";
    const body = quoteString(nasty).slice(1, -1);
    // every quote inside the body is preceded by an odd number of backslashes
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== "'") continue;
      let n = 0;
      for (let j = i - 1; j >= 0 && body[j] === '\\'; j--) n++;
      expect(n % 2).toBe(1);
    }
  });
});

describe('literal', () => {
  it('binds numbers, bigints, booleans and null', () => {
    expect(literal(42)).toBe('42');
    expect(literal(-3.5)).toBe('-3.5');
    expect(literal(-0)).toBe('0');
    expect(literal(1e21)).toBe('1e+21');
    expect(literal(9007199254740993n)).toBe('9007199254740993');
    expect(literal(true)).toBe('1');
    expect(literal(false)).toBe('0');
    expect(literal(null)).toBe('NULL');
  });

  it('refuses values that have no literal', () => {
    expect(() => literal(Number.NaN)).toThrow(TypeError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => literal(undefined as unknown as null)).toThrow(TypeError);
    expect(() => literal({} as unknown as string)).toThrow(TypeError);
    expect(() => literal(new Date('nope'))).toThrow(TypeError);
  });

  it('binds dates as UTC DateTime', () => {
    expect(literal(new Date('2026-11-01T09:00:00.750Z'))).toBe("toDateTime('2026-11-01 09:00:00', 'UTC')");
    expect(dateTimeLiteral(new Date(0))).toBe("toDateTime('1970-01-01 00:00:00', 'UTC')");
  });

  it('binds arrays element by element, nested too', () => {
    expect(literal(['CN', "O'Brien", 3])).toBe("['CN', 'O\\'Brien', 3]");
    expect(literal([[1, 2], []])).toBe('[[1, 2], []]');
    expect(literal([])).toBe('[]');
  });
});

describe('inList', () => {
  it('builds a parenthesised list of literals and refuses an empty one', () => {
    expect(inList(['a', "b'c"]).text).toBe("('a', 'b\\'c')");
    expect(inList([1]).text).toBe('(1)');
    expect(() => inList([])).toThrow(TypeError);
  });
});

describe('identifier', () => {
  it('leaves simple names alone and back-quotes the rest', () => {
    expect(identifier('events').text).toBe('events');
    expect(identifier('cdp_test_1').text).toBe('cdp_test_1');
    expect(identifier('my-db').text).toBe('`my-db`');
    expect(identifier('we`ird\\').text).toBe('`we\\`ird\\\\`');
    expect(() => identifier('')).toThrow(TypeError);
  });
});

describe('sql tagged template', () => {
  it('binds every interpolation as a literal', () => {
    const q = sql`SELECT * FROM ${identifier('events')} WHERE name = ${"O'Neil"} AND n > ${5} AND c IN ${['CN', 'SG']}`;
    expect(q.text).toBe("SELECT * FROM events WHERE name = 'O\\'Neil' AND n > 5 AND c IN ['CN', 'SG']");
  });

  it('nests fragments without re-escaping them', () => {
    const cond = join([sql`a = ${1}`, sql`b = ${'x'}`], ' AND ');
    expect(sql`SELECT 1 WHERE ${cond}`.text).toBe("SELECT 1 WHERE a = 1 AND b = 'x'");
    expect(sql`SELECT ${raw('count()')}`.text).toBe('SELECT count()');
  });
});
