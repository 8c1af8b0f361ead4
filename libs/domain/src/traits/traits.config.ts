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

/** A parsed traits configuration, or every problem found, each naming its field. */
export type TraitsConfigResult = { ok: true; config: TraitsConfig } | { ok: false; problems: string[] };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

type FieldCheck = (value: unknown) => string | undefined;

const positiveInteger: FieldCheck = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000_000
    ? undefined
    : `must be a whole number from 1 to 1000000 (got ${shown(v)})`;

const nonNegativeNumber: FieldCheck = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? undefined
    : `must be a number of at least 0 (got ${shown(v)})`;

/** Four thresholds in ascending order, each passing `each`. */
const ascendingFour =
  (each: FieldCheck): FieldCheck =>
  (v) => {
    if (!Array.isArray(v) || v.length !== 4)
      return `must be a list of 4 numbers in ascending order (got ${shown(v)})`;
    for (const x of v)
      if (each(x) !== undefined) return `must be a list of 4 numbers in ascending order (got ${shown(v)})`;
    const xs = v as number[];
    for (let i = 1; i < 4; i++) if (xs[i] < xs[i - 1]) return `must be in ascending order (got ${shown(v)})`;
    return undefined;
  };

const stringList: FieldCheck = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '')
    ? undefined
    : `must be a list of non-empty strings (got ${shown(v)})`;

const weightTable: FieldCheck = (v) => {
  if (!isPlainObject(v)) return `must be an object of event name -> points (got ${shown(v)})`;
  for (const [name, points] of Object.entries(v)) {
    if (name.trim() === '') return 'must not have an empty event name';
    if (typeof points !== 'number' || !Number.isFinite(points))
      return `must map every event name to a number (${shown(name)} -> ${shown(points)})`;
  }
  return undefined;
};

/** The fields each section may set, with their checks. */
const SECTION_FIELDS: {
  [K in Exclude<keyof TraitsConfig, 'currency'>]: Record<keyof TraitsConfig[K], FieldCheck>;
} = {
  lifecycle: { loyalOrders: positiveInteger, loyalWindowDays: positiveInteger, churnDays: positiveInteger },
  purchaseFrequency: {
    windowDays: positiveInteger,
    high: positiveInteger,
    medium: positiveInteger,
    low: positiveInteger,
  },
  rfm: {
    windowDays: positiveInteger,
    recencyDays: ascendingFour(positiveInteger),
    frequencyOrders: ascendingFour(positiveInteger),
    monetary: ascendingFour(nonNegativeNumber),
  },
  purchaseStage: {
    considerationEvents: stringList,
    decisionEvents: stringList,
    decisionWindowDays: positiveInteger,
  },
  leadScore: { weights: weightTable, halfLifeDays: positiveInteger },
  acquisition: {
    paidMediums: stringList,
    emailMediums: stringList,
    socialMediums: stringList,
    socialHosts: stringList,
    searchEngines: stringList,
  },
};

/**
 * Checks a traits configuration given as JSON text (overrides merged over the defaults, as
 * `traitsConfig`): every section and field must be known and of its kind (whole numbers of
 * days and orders from 1, ascending RFM thresholds, lists of names, a points table), the
 * currency a three-letter code, and the merged purchase-frequency levels high >= medium >= low.
 * Problems name the field (`lifecycle.churnDays must be ...`), all of them at once.
 */
export function parseTraitsConfig(text: string): TraitsConfigResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`is not valid JSON (${e instanceof Error ? e.message : String(e)})`] };
  }
  if (!isPlainObject(parsed))
    return {
      ok: false,
      problems: [`must be a JSON object such as {"lifecycle":{"churnDays":60}} (got ${shown(parsed)})`],
    };
  const problems: string[] = [];
  for (const [section, value] of Object.entries(parsed)) {
    if (section === 'currency') {
      if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value))
        problems.push(
          `currency must be a three-letter upper-case currency code such as "EUR" (got ${shown(value)})`,
        );
      continue;
    }
    const fields = (SECTION_FIELDS as Record<string, Record<string, FieldCheck>>)[section];
    if (fields === undefined) {
      problems.push(
        `${section} is not a setting (known: currency, ${Object.keys(SECTION_FIELDS).join(', ')})`,
      );
      continue;
    }
    if (!isPlainObject(value)) {
      problems.push(`${section} must be an object (got ${shown(value)})`);
      continue;
    }
    for (const [field, fieldValue] of Object.entries(value)) {
      const check = fields[field];
      if (check === undefined) {
        problems.push(`${section}.${field} is not a setting (known: ${Object.keys(fields).join(', ')})`);
        continue;
      }
      const problem = check(fieldValue);
      if (problem !== undefined) problems.push(`${section}.${field} ${problem}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const config = traitsConfig(parsed);
  const pf = config.purchaseFrequency;
  if (!(pf.high >= pf.medium && pf.medium >= pf.low))
    return {
      ok: false,
      problems: [
        `purchaseFrequency levels must be high >= medium >= low (got high ${pf.high}, medium ${pf.medium}, low ${pf.low})`,
      ],
    };
  return { ok: true, config };
}
