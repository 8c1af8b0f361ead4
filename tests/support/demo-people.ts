import type { AcquisitionChannel, LifecycleStage } from '@cdp/domain';
import type { Person } from './api-fixtures';

/**
 * A demo population of 56 people of a tea shop for the segment grid: every lifecycle stage
 * crossed with every acquisition channel, several profiles per cell, written by
 * `insertPeople`. Each person states the computed traits it must have (`stage`, `channel`),
 * worked out by hand from the definitions (libs/domain/src/traits/README.md) with
 * `DEFAULT_TRAITS_CONFIG`; no order is within 5 days of a 90 / 180 day boundary, so the few
 * seconds between the grid and the segmenter's backfill cannot move anyone.
 *
 * Realistic traps, each placing a person in another cell than a naive reading would:
 * utm_medium in other case (`Newsletter`, `CPC`), `paid_social` (paid, not social), ad
 * clicks and social interactions as first touch, referrers of social networks and search
 * engines (`m.weibo.cn`, `www.google.com.hk`, `duckduckgo.com`), later visits from other
 * channels, store customers whose first touch is an order (direct) before a tracked visit,
 * churned buyers with 3 orders in 180 days (churned wins over loyal), repeat buyers with old
 * orders (active, not loyal), a guest profile merged into a known one that brings the
 * earlier first touch and orders (identity merge), people who moved country (the latest
 * value counts) and order totals on the bucket breaks 100 and 250 (`99.99`, `100`, `250`).
 */
export interface DemoPerson extends Person {
  stage: LifecycleStage;
  channel: AcquisitionChannel;
}

/** completed orders (own and absorbed guest profile) x order value, rounded to cents. */
export function revenueOf(p: Person): number {
  const own = p.orders.length * (p.orderValue ?? 50);
  const guest = p.absorbed ? p.absorbed.orders.length * (p.absorbed.orderValue ?? 50) : 0;
  return Math.round((own + guest) * 100) / 100;
}

const CPC = { utmMedium: 'cpc', utmSource: 'google' };
const GOOGLE = 'https://www.google.com/search?q=oolong+tea';

type Spec = Omit<DemoPerson, 'profileId' | 'anonymousId' | 'userId' | 'email'> & { known?: boolean };

const SPECS: Spec[] = [
  // prospects: no completed order
  { stage: 'prospect', channel: 'paid', country: 'CN', orders: [], firstSeenDaysAgo: 5, ...CPC },
  {
    stage: 'prospect',
    channel: 'paid',
    orders: [],
    firstSeenDaysAgo: 2,
    landingSource: { kind: 'ad', channel: 'google_ads' },
  },
  {
    stage: 'prospect',
    channel: 'email',
    country: 'SG',
    orders: [],
    firstSeenDaysAgo: 9,
    utmMedium: 'newsletter',
    utmSource: 'mailchimp',
    known: true,
  },
  {
    stage: 'prospect',
    channel: 'social',
    country: 'CN',
    orders: [],
    firstSeenDaysAgo: 4,
    utmMedium: 'social',
    utmSource: 'weibo',
  },
  {
    stage: 'prospect',
    channel: 'social',
    orders: [],
    firstSeenDaysAgo: 14,
    referrer: 'https://m.weibo.cn/status/4890',
  },
  {
    stage: 'prospect',
    channel: 'social',
    country: 'CN',
    orders: [],
    firstSeenDaysAgo: 6,
    landingSource: { kind: 'social', channel: 'xiaohongshu' },
  },
  {
    stage: 'prospect',
    channel: 'organic_search',
    country: 'CN',
    orders: [],
    firstSeenDaysAgo: 3,
    referrer: 'https://www.baidu.com/s?wd=oolong',
  },
  {
    stage: 'prospect',
    channel: 'organic_search',
    country: 'US',
    orders: [],
    firstSeenDaysAgo: 20,
    referrer: 'https://www.google.com/search?q=puer+tea',
    visits: [{ daysAgo: 4, utmMedium: 'email' }],
    known: true,
  },
  {
    stage: 'prospect',
    channel: 'referral',
    country: 'SG',
    orders: [],
    firstSeenDaysAgo: 11,
    referrer: 'https://blog.teafans.org/best-oolong-2025',
  },
  { stage: 'prospect', channel: 'direct', orders: [], firstSeenDaysAgo: 1 },
  { stage: 'prospect', channel: 'direct', country: 'HK', orders: [], firstSeenDaysAgo: 7 },
  {
    stage: 'prospect',
    channel: 'direct',
    country: 'US',
    orders: [],
    firstSeenDaysAgo: 40,
    visits: [{ daysAgo: 10, ...CPC }],
  },
  // new: exactly one order, in the last 90 days
  {
    stage: 'new',
    channel: 'paid',
    country: 'CN',
    orders: [12],
    firstSeenDaysAgo: 15,
    utmMedium: 'display',
    utmSource: 'criteo',
  },
  {
    stage: 'new',
    channel: 'paid',
    country: 'CN',
    orders: [45],
    firstSeenDaysAgo: 50,
    utmMedium: 'CPC',
    utmSource: 'baidu',
  },
  { stage: 'new', channel: 'email', country: 'SG', orders: [70], firstSeenDaysAgo: 72, utmMedium: 'email' },
  { stage: 'new', channel: 'email', country: 'US', orders: [3], firstSeenDaysAgo: 30, utmMedium: 'e-mail' },
  {
    stage: 'new',
    channel: 'social',
    country: 'HK',
    orders: [30],
    firstSeenDaysAgo: 31,
    referrer: 'https://www.instagram.com/p/Cx1tea',
  },
  {
    stage: 'new',
    channel: 'organic_search',
    country: 'CN',
    orders: [58],
    firstSeenDaysAgo: 60,
    referrer: 'https://cn.bing.com/search?q=tea+gift',
  },
  { stage: 'new', channel: 'direct', country: 'CN', orders: [21], firstSeenDaysAgo: 22 },
  // a store customer: the order (no utm, no referrer) comes before the newsletter visit
  { stage: 'new', channel: 'direct', country: 'SG', orders: [80], firstSeenDaysAgo: 10, utmMedium: 'email' },
  // active: 2+ orders, fewer than 3 in 180 days, the last in 90 days
  { stage: 'active', channel: 'paid', country: 'CN', orders: [8, 130], firstSeenDaysAgo: 140, ...CPC },
  {
    stage: 'active',
    channel: 'paid',
    country: 'CN',
    orders: [25, 200, 300],
    firstSeenDaysAgo: 320,
    utmMedium: 'paid_social',
    utmSource: 'weibo',
  },
  {
    stage: 'active',
    channel: 'paid',
    country: 'US',
    orders: [60, 75],
    firstSeenDaysAgo: 76,
    landingSource: { kind: 'ad', channel: 'google_ads' },
  },
  // active x email: the first chosen cell (6 people)
  {
    stage: 'active',
    channel: 'email',
    country: 'CN',
    orders: [15, 120],
    firstSeenDaysAgo: 125,
    utmMedium: 'email',
  },
  {
    stage: 'active',
    channel: 'email',
    country: 'SG',
    orders: [33, 110],
    firstSeenDaysAgo: 111,
    utmMedium: 'newsletter',
    utmSource: 'mailchimp',
  },
  {
    stage: 'active',
    channel: 'email',
    country: 'CN',
    orders: [5, 250],
    orderValue: 42.5,
    firstSeenDaysAgo: 260,
    utmMedium: 'Newsletter',
    visits: [{ daysAgo: 100, ...CPC }],
  },
  {
    // on its own a new buyer who typed the address in (direct); its guest profile came from
    // the newsletter earlier and ordered once: active x email once merged
    stage: 'active',
    channel: 'email',
    country: 'HK',
    orders: [8],
    firstSeenDaysAgo: 100,
    absorbed: {
      profileId: 'g-guest-27',
      anonymousId: 'a-guest-27',
      orders: [130],
      firstSeenDaysAgo: 150,
      utmMedium: 'newsletter',
      mergedDaysAgo: 100,
    },
  },
  { stage: 'active', channel: 'email', orders: [40, 70], firstSeenDaysAgo: 90, utmMedium: 'email' },
  {
    stage: 'active',
    channel: 'email',
    country: 'US',
    previousCountry: 'SG',
    orders: [12, 60],
    orderValue: 65,
    firstSeenDaysAgo: 61,
    utmMedium: 'e-mail',
  },
  {
    stage: 'active',
    channel: 'social',
    country: 'CN',
    orders: [20, 95],
    firstSeenDaysAgo: 98,
    utmMedium: 'social_media',
    utmSource: 'wechat',
  },
  {
    stage: 'active',
    channel: 'organic_search',
    country: 'HK',
    orders: [18, 140],
    firstSeenDaysAgo: 150,
    referrer: 'https://www.google.com.hk/search?q=tieguanyin',
  },
  {
    stage: 'active',
    channel: 'organic_search',
    country: 'CN',
    orders: [50, 170, 330],
    firstSeenDaysAgo: 340,
    referrer: 'https://www.baidu.com/s?wd=tea',
  },
  {
    stage: 'active',
    channel: 'referral',
    country: 'SG',
    orders: [7, 100],
    firstSeenDaysAgo: 101,
    referrer: 'https://www.partner-shop.com/deals?ref=cdp',
  },
  { stage: 'active', channel: 'direct', country: 'CN', orders: [30, 65], firstSeenDaysAgo: 66 },
  // store customer, later found the shop through google
  {
    stage: 'active',
    channel: 'direct',
    country: 'CN',
    orders: [4, 160],
    firstSeenDaysAgo: 20,
    referrer: GOOGLE,
  },
  // loyal: 3+ orders in 180 days, the last in 90 days. loyal/CN x totalRevenue 100..250 is the
  // second chosen cell (5 people); its neighbours hold 99.99, 250, 480, a move away from CN
  {
    stage: 'loyal',
    channel: 'paid',
    country: 'CN',
    orders: [2, 30, 95],
    firstSeenDaysAgo: 100,
    ...CPC,
  },
  {
    stage: 'loyal',
    channel: 'paid',
    country: 'CN',
    orders: [10, 50, 140, 400],
    orderValue: 30,
    firstSeenDaysAgo: 420,
    utmMedium: 'display',
    utmSource: 'criteo',
  },
  {
    stage: 'loyal',
    channel: 'paid',
    country: 'SG',
    orders: [5, 20, 35, 60, 85],
    firstSeenDaysAgo: 90,
    landingSource: { kind: 'ad', channel: 'google_ads' },
  },
  {
    // on its own active x organic_search with 160; its guest profile clicked an ad first and
    // ordered once: loyal x paid with 240 once merged
    stage: 'loyal',
    channel: 'paid',
    country: 'CN',
    orders: [5, 20],
    orderValue: 80,
    firstSeenDaysAgo: 60,
    referrer: GOOGLE,
    absorbed: {
      profileId: 'g-guest-39',
      anonymousId: 'a-guest-39',
      orders: [45],
      orderValue: 80,
      firstSeenDaysAgo: 200,
      landingSource: { kind: 'ad', channel: 'google_ads' },
      mergedDaysAgo: 20,
    },
  },
  {
    stage: 'loyal',
    channel: 'paid',
    country: 'US',
    orders: [40, 100, 160],
    firstSeenDaysAgo: 170,
    utmMedium: 'cpc',
    utmSource: 'bing',
  },
  {
    stage: 'loyal',
    channel: 'email',
    country: 'CN',
    orders: [3, 30, 60, 85, 120],
    firstSeenDaysAgo: 130,
    utmMedium: 'email',
  },
  {
    stage: 'loyal',
    channel: 'email',
    country: 'CN',
    orders: [10, 50, 140, 400],
    orderValue: 25,
    firstSeenDaysAgo: 410,
    utmMedium: 'newsletter',
  },
  {
    stage: 'loyal',
    channel: 'social',
    country: 'CN',
    orders: [2, 30, 95],
    orderValue: 33.33,
    firstSeenDaysAgo: 96,
    landingSource: { kind: 'social', channel: 'weibo' },
  },
  {
    stage: 'loyal',
    channel: 'social',
    country: 'HK',
    orders: [10, 50, 140],
    orderValue: 60,
    firstSeenDaysAgo: 150,
    referrer: 'https://www.xiaohongshu.com/explore/6541',
  },
  {
    stage: 'loyal',
    channel: 'organic_search',
    country: 'CN',
    previousCountry: 'SG',
    orders: [5, 20, 35, 60, 85],
    orderValue: 36,
    firstSeenDaysAgo: 88,
    referrer: GOOGLE,
  },
  {
    stage: 'loyal',
    channel: 'referral',
    orders: [2, 30, 95],
    firstSeenDaysAgo: 97,
    referrer: 'https://forum.teafans.org/t/123',
  },
  // store customer who subscribed to the newsletter much later
  {
    stage: 'loyal',
    channel: 'direct',
    country: 'CN',
    orders: [3, 30, 60, 150],
    orderValue: 120,
    firstSeenDaysAgo: 25,
    utmMedium: 'email',
  },
  {
    stage: 'loyal',
    channel: 'direct',
    country: 'SG',
    previousCountry: 'CN',
    orders: [40, 100, 160],
    firstSeenDaysAgo: 165,
  },
  // churned: bought, but not in the last 90 days
  { stage: 'churned', channel: 'paid', country: 'CN', orders: [120], firstSeenDaysAgo: 125, ...CPC },
  {
    stage: 'churned',
    channel: 'email',
    country: 'CN',
    orders: [100, 150, 170],
    firstSeenDaysAgo: 175,
    utmMedium: 'email',
  },
  {
    stage: 'churned',
    channel: 'email',
    country: 'SG',
    orders: [200, 365],
    firstSeenDaysAgo: 380,
    utmMedium: 'newsletter',
  },
  {
    stage: 'churned',
    channel: 'organic_search',
    country: 'US',
    orders: [95],
    firstSeenDaysAgo: 97,
    referrer: 'https://duckduckgo.com/?q=green+tea',
  },
  {
    stage: 'churned',
    channel: 'referral',
    country: 'HK',
    orders: [130, 160],
    firstSeenDaysAgo: 165,
    referrer: 'https://www.teareviews.net/top10',
  },
  { stage: 'churned', channel: 'direct', country: 'CN', orders: [110], firstSeenDaysAgo: 111 },
  { stage: 'churned', channel: 'direct', orders: [300], firstSeenDaysAgo: 301 },
  {
    stage: 'churned',
    channel: 'direct',
    country: 'CN',
    orders: [250, 280],
    firstSeenDaysAgo: 30,
    referrer: GOOGLE,
  },
];

export const DEMO_PEOPLE: DemoPerson[] = SPECS.map(({ known, ...spec }, i) => {
  const n = String(i + 1).padStart(2, '0');
  const customer = known === true || spec.orders.length > 0 || spec.absorbed !== undefined;
  return {
    profileId: `d-${n}`,
    anonymousId: `a-d-${n}`,
    ...(customer ? { userId: `u-d-${n}` } : {}),
    // most customers gave an email; every third did not (guest checkout, phone only)
    ...(customer && i % 3 !== 0 ? { email: `tea-lover-${n}@example.org` } : {}),
    ...spec,
  };
});
