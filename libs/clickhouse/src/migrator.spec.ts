import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, splitStatements } from './migrator';

describe('splitStatements', () => {
  it('splits on a semicolon at the end of a line and drops comment lines', () => {
    const text = `-- create things\nCREATE TABLE a (x String DEFAULT 'a;b')\nENGINE = Memory;\n\n-- another\nCREATE TABLE b (y UInt8) ENGINE = Memory;\nSELECT 1`;
    expect(splitStatements(text)).toEqual([
      "CREATE TABLE a (x String DEFAULT 'a;b')\nENGINE = Memory",
      'CREATE TABLE b (y UInt8) ENGINE = Memory',
      'SELECT 1',
    ]);
  });
});

describe('loadMigrations', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('orders by version and substitutes the database', () => {
    const dir = dirWith({
      '0002_second.sql': 'CREATE TABLE IF NOT EXISTS {db}.b (x UInt8) ENGINE = Memory;',
      '0001_first.sql': 'CREATE TABLE IF NOT EXISTS {db}.a (x UInt8) ENGINE = Memory;',
    });
    const ms = loadMigrations(dir, 'cdp_test');
    expect(ms.map((m) => [m.version, m.name])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(ms[0].statements).toEqual(['CREATE TABLE IF NOT EXISTS cdp_test.a (x UInt8) ENGINE = Memory']);
    expect(ms[0].checksum).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects badly named files and duplicate versions', () => {
    expect(() => loadMigrations(dirWith({ 'init.sql': 'SELECT 1' }), 'cdp')).toThrow(/NNNN_snake_case/);
    expect(() =>
      loadMigrations(dirWith({ '0001_a.sql': 'SELECT 1', '0001_b.sql': 'SELECT 2' }), 'cdp'),
    ).toThrow(/share version 1/);
  });
});
