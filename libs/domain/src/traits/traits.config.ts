/**
 * Thresholds and weights of the computed traits (see README.md for each definition).
 * `DEFAULT_TRAITS_CONFIG` holds the documented defaults; `traitsConfig(overrides)` merges
 * a partial configuration over them, one section at a time.
 */
export interface TraitsConfig {
  /**
   * When set, revenue (totalRevenue, rfm monetary) only counts events in this currency
   * (events without a currency count too); unset: amounts are added as they are.
   */
  currency?: string;
  lifecycle: {
    /** loyal: at least this many completed orders ... */
    loyalOrders: number;
    /** ... in this many days. */
    loyalWindowDays: number;
    /** churned: bought before, no completed order in this many days. */
    churnDays: number;
  };
  purchaseFrequency: {
    /** Completed orders are counted over this many days. */
    windowDays: number;
    /** Minimum order counts of each level (high >= medium >= low >= 1). */
    high: number;
    medium: number;
    low: number;
  };
  rfm: {
    /** Frequency and monetary look back this many days. */
    windowDays: number;
    /** Score 5, 4, 3, 2 when the last order is within this many days (ascending); else 1. */
    recencyDays: readonly [number, number, number, number];
    /** Score 2, 3, 4, 5 from this many completed orders in the window (ascending); else 1. */
    frequencyOrders: readonly [number, number, number, number];
    /** Score 2, 3, 4, 5 from this much net revenue in the window (ascending); else 1. */
    monetary: readonly [number, number, number, number];
  };
  purchaseStage: {
    /** Event names (a trailing `*` matches a prefix) that show consideration. */
    considerationEvents: readonly string[];
    /** Event names that show a decision while they are recent. */
    decisionEvents: readonly string[];
    /** A decision event counts for this many days, then the stage falls back. */
    decisionWindowDays: number;
  };
  leadScore: {
    /** Points per event name (a trailing `*` matches a prefix; the exact name wins, then the longest prefix). */
    weights: Readonly<Record<string, number>>;
    /** Points halve every this many whole UTC days of age. */
    halfLifeDays: number;
  };
  acquisition: {
    /** utm_medium values (lower case) that mean paid. */
    paidMediums: readonly string[];
    /** utm_medium values that mean email. */
    emailMediums: readonly string[];
    /** utm_medium values that mean social. */
    socialMediums: readonly string[];
    /** Referrer hosts (and their subdomains) of social networks. */
    socialHosts: readonly string[];
    /** Search engine names: a referrer host with a label equal to one, followed by another label (`www.google.com.hk`). */
    searchEngines: readonly string[];
  };
}

export const DEFAULT_TRAITS_CONFIG: TraitsConfig = {
  lifecycle: { loyalOrders: 3, loyalWindowDays: 180, churnDays: 90 },
  purchaseFrequency: { windowDays: 90, high: 4, medium: 2, low: 1 },
  rfm: {
    windowDays: 365,
    recencyDays: [30, 90, 180, 365],
    frequencyOrders: [2, 3, 5, 8],
    monetary: [100, 500, 1000, 5000],
  },
  purchaseStage: {
    considerationEvents: ['Product Viewed', 'Product List Viewed', 'Social *', 'Ad Click'],
    decisionEvents: ['Product Added', 'Checkout Started'],
    decisionWindowDays: 30,
  },
  leadScore: {
    weights: {
      'Page Viewed': 1,
      'Product Viewed': 3,
      'Product Added': 5,
      'Social *': 2,
      'Ad Click': 2,
      'Email Opened': 1,
    },
    halfLifeDays: 30,
  },
  acquisition: {
    paidMediums: ['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'paid_social', 'display', 'cpm'],
    emailMediums: ['email', 'e-mail', 'newsletter'],
    socialMediums: ['social', 'social-media', 'social_media'],
    socialHosts: [
      'weibo.com',
      'weibo.cn',
      'facebook.com',
      'instagram.com',
      'twitter.com',
      'x.com',
      't.co',
      'linkedin.com',
      'xiaohongshu.com',
      'douyin.com',
      'tiktok.com',
      'youtube.com',
      'pinterest.com',
      'reddit.com',
    ],
    searchEngines: [
      'google',
      'bing',
      'baidu',
      'yahoo',
      'duckduckgo',
      'yandex',
      'sogou',
      'so',
      'naver',
      'ecosia',
    ],
  },
};

/** A partial configuration: any section may be given in part. */
export type TraitsConfigOverrides = {
  currency?: string;
} & { [K in Exclude<keyof TraitsConfig, 'currency'>]?: Partial<TraitsConfig[K]> };

/** The defaults with `overrides` merged in, section by section. */
export function traitsConfig(overrides: TraitsConfigOverrides = {}): TraitsConfig {
  const d = DEFAULT_TRAITS_CONFIG;
  const merged: TraitsConfig = {
    lifecycle: { ...d.lifecycle, ...overrides.lifecycle },
    purchaseFrequency: { ...d.purchaseFrequency, ...overrides.purchaseFrequency },
    rfm: { ...d.rfm, ...overrides.rfm },
    purchaseStage: { ...d.purchaseStage, ...overrides.purchaseStage },
    leadScore: { ...d.leadScore, ...overrides.leadScore },
    acquisition: { ...d.acquisition, ...overrides.acquisition },
  };
  if (overrides.currency !== undefined) merged.currency = overrides.currency;
  return merged;
}
