import {
  asEpochMs,
  asProfileId,
  DAY_MS,
  type EventFact,
  type ProfileSnapshot,
  type SourceKind,
} from '@cdp/domain';
import { SeededRandom } from '@cdp/domain/rules/seeded-random';

/**
 * Profile snapshots with realistic histories for the in-memory benchmark: 5 to 60 events
 * in the last year (mostly browsing, some carts, orders, refunds, social and ad events),
 * categories and topics, revenue, a first touch, and identify traits.
 */

const MIX: readonly { name: string; source: SourceKind; weight: number }[] = [
  { name: 'Page Viewed', source: 'web', weight: 30 },
  { name: 'Product Viewed', source: 'web', weight: 25 },
  { name: 'Screen Viewed', source: 'web', weight: 5 },
  { name: 'Product Added', source: 'web', weight: 8 },
  { name: 'Checkout Started', source: 'web', weight: 3 },
  { name: 'Order Completed', source: 'transaction', weight: 5 },
  { name: 'Order Refunded', source: 'transaction', weight: 1 },
  { name: 'Social Like', source: 'social', weight: 10 },
  { name: 'Social Comment', source: 'social', weight: 3 },
  { name: 'Ad Impression', source: 'ad', weight: 6 },
  { name: 'Ad Click', source: 'ad', weight: 4 },
];
const TOTAL = MIX.reduce((n, m) => n + m.weight, 0);
const CATEGORIES = ['skincare', 'makeup', 'haircare', 'shoes', 'bags', 'accessories', 'fragrance'];
const TOUCHES = [
  { utmSource: 'weibo', utmMedium: 'paid_social' },
  { utmSource: 'google', utmMedium: 'cpc' },
  { referrer: 'https://www.google.com/' },
  { utmMedium: 'email', utmSource: 'newsletter' },
  { referrer: 'https://weibo.com/x' },
  {},
];

function pickEvent(random: SeededRandom): { name: string; source: SourceKind } {
  let roll = random.next() * TOTAL;
  for (const m of MIX) {
    roll -= m.weight;
    if (roll < 0) return m;
  }
  return MIX[0];
}

export function benchSnapshots(count: number, now: number, seed = 42): ProfileSnapshot[] {
  const random = new SeededRandom(seed);
  const out: ProfileSnapshot[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = random.int(5, 60);
    const events: EventFact[] = [];
    const favourite = random.pick(CATEGORIES);
    for (let j = 0; j < n; j += 1) {
      const spec = pickEvent(random);
      const at = now - random.int(0, 365) * DAY_MS - random.int(0, DAY_MS - 1);
      const category = random.chance(0.6) ? favourite : random.pick(CATEGORIES);
      const event: EventFact = {
        name: spec.name,
        source: spec.source,
        occurredAt: asEpochMs(at),
        properties: spec.source === 'social' ? { topics: [category] } : { category },
      };
      if (spec.source === 'transaction') {
        event.revenue = random.int(20, 900);
        event.currency = 'CNY';
      }
      if (j === 0) event.context = random.pick(TOUCHES);
      if (spec.source === 'social') event.context = { channel: 'weibo' };
      events.push(event);
    }
    events.sort((a, b) => a.occurredAt - b.occurredAt);
    out.push({
      profileId: asProfileId(`bp-${i}`),
      traits: {
        country: random.pick(['CN', 'CN', 'CN', 'SG', 'US', 'HK', 'MY']),
        gender: random.pick(['female', 'female', 'male']),
        age: random.int(18, 65),
      },
      events,
    });
  }
  return out;
}
