import { createHash } from 'node:crypto';
import { deliveryIdOf } from './delivery-id';
import { rowVersion } from './delivery-record';

describe('delivery id', () => {
  it('is sha256(campaign id, newline, segment event id), 32 hex digits', () => {
    const expected = createHash('sha256').update('winback\nse-1').digest('hex').slice(0, 32);
    expect(deliveryIdOf('winback', 'se-1')).toBe(expected);
    expect(deliveryIdOf('winback', 'se-1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is the same for the same campaign and transition, whoever computes it, and differs otherwise', () => {
    expect(deliveryIdOf('winback', 'se-1')).toBe(deliveryIdOf('winback', 'se-1'));
    const ids = new Set<string>();
    for (const c of ['winback', 'welcome', 'win'])
      for (let i = 0; i < 1000; i++) ids.add(deliveryIdOf(c, `se-${i}`));
    expect(ids.size).toBe(3000);
    // the separator keeps ("ab", "c") and ("a", "bc") apart
    expect(deliveryIdOf('ab', 'c')).not.toBe(deliveryIdOf('a', 'bc'));
  });
});

describe('delivery row version', () => {
  it('grows with attempts, and a final status outranks pending at the same attempt count', () => {
    expect(rowVersion('pending', 0)).toBeLessThan(rowVersion('held_out', 0));
    expect(rowVersion('pending', 0)).toBeLessThan(rowVersion('pending', 1));
    expect(rowVersion('pending', 1)).toBeLessThan(rowVersion('sent', 1));
    expect(rowVersion('sent', 1)).toBeLessThan(rowVersion('pending', 2));
    expect(rowVersion('pending', 5)).toBeLessThan(rowVersion('failed', 5));
    expect(rowVersion('pending', 0)).toBeLessThan(rowVersion('cancelled', 0));
  });
});
