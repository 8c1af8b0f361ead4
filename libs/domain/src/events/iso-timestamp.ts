import { asEpochMs, type EpochMs } from '../brand';

/**
 * ISO 8601 extended format as trackers send it: a calendar date, optionally followed by
 * `T` (or a space, as RFC 3339 allows) and a time with optional seconds, fraction (any
 * number of digits, `.` or `,`) and zone (`Z`, `+hh:mm`, `+hhmm`, `+hh`).
 * A time without a zone and a bare date are read as UTC (never as the host's local time).
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Zone designator to an offset in minutes east of UTC, or undefined when out of range. */
function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/**
 * Parses an ISO 8601 date-time (see `ISO_8601` above) to epoch milliseconds, or returns
 * undefined for anything else (non-strings, other formats, impossible dates such as
 * 2026-02-30). Fractions beyond milliseconds are truncated.
 */
export function parseIsoTimestamp(value: unknown): EpochMs | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_8601.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 24 || minute > 59 || second > 60) return undefined;
  if (hour === 24 && (minute !== 0 || second !== 0 || millis !== 0)) return undefined;
  const offset = zone === undefined ? 0 : zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0..99 as they are
  date.setUTCHours(hour, minute, second, millis);
  const ms = date.getTime() - offset * 60_000;
  return Number.isFinite(ms) ? asEpochMs(ms) : undefined;
}
