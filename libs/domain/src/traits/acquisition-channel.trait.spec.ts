import { asEpochMs } from '../brand';
import type { SourceKind } from '../events/canonical-event';
import {
  firstTouchOf,
  nextFirstTouchChangeAt,
  referrerHostOf,
  touchChannelOf,
} from './acquisition-channel.trait';
import type { EventFact, EventFactContext } from './event-fact';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const config = traitsConfig();
const touch = (context: EventFactContext | undefined, source: SourceKind = 'web', daysAgo = 1): EventFact => {
  const e: EventFact = {
    name: 'Page Viewed',
    source,
    occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
    properties: {},
  };
  if (context !== undefined) e.context = context;
  return e;
};
const channel = (context: EventFactContext | undefined, source: SourceKind = 'web') =>
  touchChannelOf(touch(context, source), config);

describe('acquisition channel', () => {
  it('reads referrer hosts', () => {
    expect(referrerHostOf('https://www.Google.com/search?q=x')).toBe('www.google.com');
    expect(referrerHostOf('weibo.com/u/1')).toBe('weibo.com');
    expect(referrerHostOf('//user@t.co:443/abc')).toBe('t.co');
    expect(referrerHostOf('')).toBeUndefined();
    expect(referrerHostOf(undefined)).toBeUndefined();
  });

  it('classifies one touch, first match wins', () => {
    expect(channel({ utmMedium: 'CPC', referrer: 'https://google.com' })).toBe('paid');
    expect(channel({ utmMedium: 'paid_social', utmSource: 'weibo' })).toBe('paid');
    expect(channel(undefined, 'ad')).toBe('paid');
    expect(channel({ utmMedium: 'newsletter' })).toBe('email');
    expect(channel({ channel: 'weibo' }, 'social')).toBe('social');
    expect(channel({ utmMedium: 'social' })).toBe('social');
    expect(channel({ referrer: 'https://m.facebook.com/x' })).toBe('social');
    expect(channel({ referrer: 'https://www.google.com.hk/' })).toBe('organic_search');
    expect(channel({ referrer: 'https://www.baidu.com/s?wd=x' })).toBe('organic_search');
    expect(channel({ referrer: 'https://blog.example.com/post' })).toBe('referral');
    expect(channel({ referrer: 'https://notgoogle.com/' })).toBe('referral');
    expect(channel(undefined)).toBe('direct');
    expect(channel({ channel: 'store' }, 'transaction')).toBe('direct');
  });

  it('takes the earliest event at or before now as first touch', () => {
    const events = [
      touch({ referrer: 'https://www.google.com/' }, 'web', 3),
      touch(undefined, 'web', 5),
      touch({ utmMedium: 'cpc' }, 'web', -1),
    ];
    expect(firstTouchOf(events, NOW, config)).toEqual({ channel: 'direct' });
    expect(firstTouchOf(events.slice(0, 1), NOW, config)).toEqual({
      channel: 'organic_search',
      source: 'www.google.com',
    });
    expect(firstTouchOf([], NOW, config)).toBeUndefined();
  });

  it('breaks ties by channel precedence, then source, whatever the order', () => {
    const a = touch({ referrer: 'https://blog.example.com' });
    const b = touch({ utmMedium: 'cpc', utmSource: 'Baidu' });
    const c = touch({ utmMedium: 'cpc', utmSource: 'alpha' });
    expect(firstTouchOf([a, b, c], NOW, config)).toEqual({ channel: 'paid', source: 'alpha' });
    expect(firstTouchOf([c, b, a], NOW, config)).toEqual({ channel: 'paid', source: 'alpha' });
  });

  it('sources: utm_source, else platform or network, else referrer host', () => {
    expect(firstTouchOf([touch({ channel: 'Weibo' }, 'social')], NOW, config)?.source).toBe('weibo');
    expect(firstTouchOf([touch({ channel: 'google_ads' }, 'ad')], NOW, config)?.source).toBe('google_ads');
    expect(firstTouchOf([touch({ channel: 'online' }, 'transaction')], NOW, config)).toEqual({
      channel: 'direct',
    });
  });

  it('only changes when the first event arrives', () => {
    expect(nextFirstTouchChangeAt([touch(undefined, 'web', 1)], NOW)).toBeUndefined();
    expect(nextFirstTouchChangeAt([touch(undefined, 'web', -2), touch(undefined, 'web', -1)], NOW)).toBe(
      NOW + DAY_MS,
    );
  });
});
