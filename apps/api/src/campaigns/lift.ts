/**
 * Lift of a campaign: treated members (a webhook was sent) against holdout members (the
 * control group: recorded, not sent), both counted from their trigger, with normal-approximation
 * 95 % confidence intervals. Pure: the numbers come from LiftRepository.
 */

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface GroupTotals {
  members: number;
  converted: number;
  orders: number;
}

/** Revenue of a group in one currency: the sum over members and the sum of squares of per-member revenue. */
export interface GroupRevenue {
  revenue: number;
  revenueSquares: number;
}

export interface LiftInput {
  treated: GroupTotals;
  holdout: GroupTotals;
  /** Persons with deliveries in both groups (possible after a profile merge); left out. */
  mixed: number;
  revenue: { treated: Record<string, GroupRevenue>; holdout: Record<string, GroupRevenue> };
}

export interface GroupReport {
  members: number;
  converted: number;
  conversionRate: number | null;
  orders: number;
  revenue: Record<string, number>;
  revenuePerMember: Record<string, number>;
}

export interface Difference {
  difference: number;
  confidenceInterval95: [number, number];
  /** The interval does not contain 0. */
  significant: boolean;
}

export interface LiftReport {
  treated: GroupReport;
  holdout: GroupReport;
  excludedMembers: number;
  /** Treated minus holdout conversion rate; null when a group has no members. */
  conversionLift: (Difference & { relative: number | null }) | null;
  /** Treated minus holdout revenue per member, per currency; null when a group has fewer than 2 members. */
  revenuePerMemberLift: Record<string, Difference | null>;
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

function interval(difference: number, standardError: number): Difference {
  const lo = difference - Z95 * standardError;
  const hi = difference + Z95 * standardError;
  return {
    difference: round(difference),
    confidenceInterval95: [round(lo), round(hi)],
    significant: lo > 0 || hi < 0,
  };
}

/**
 * Difference of two proportions with the unpooled normal approximation:
 * SE = sqrt(p1(1-p1)/n1 + p2(1-p2)/n2), CI = d +- 1.96 SE.
 */
export function proportionDifference(c1: number, n1: number, c2: number, n2: number): Difference | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = c1 / n1;
  const p2 = c2 / n2;
  return interval(p1 - p2, Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2));
}

/**
 * Difference of two means (Welch, normal approximation) from sums and sums of squares over
 * n members each (members without revenue count as 0).
 */
export function meanDifference(
  sum1: number,
  squares1: number,
  n1: number,
  sum2: number,
  squares2: number,
  n2: number,
): Difference | null {
  if (n1 < 2 || n2 < 2) return null;
  const m1 = sum1 / n1;
  const m2 = sum2 / n2;
  const v1 = Math.max(0, (squares1 - n1 * m1 * m1) / (n1 - 1));
  const v2 = Math.max(0, (squares2 - n2 * m2 * m2) / (n2 - 1));
  return interval(m1 - m2, Math.sqrt(v1 / n1 + v2 / n2));
}

function group(totals: GroupTotals, revenue: Record<string, GroupRevenue>): GroupReport {
  const sums: Record<string, number> = {};
  const perMember: Record<string, number> = {};
  for (const [currency, r] of Object.entries(revenue)) {
    sums[currency] = round(r.revenue, 4);
    perMember[currency] = totals.members > 0 ? round(r.revenue / totals.members) : 0;
  }
  return {
    members: totals.members,
    converted: totals.converted,
    conversionRate: totals.members > 0 ? round(totals.converted / totals.members) : null,
    orders: totals.orders,
    revenue: sums,
    revenuePerMember: perMember,
  };
}

export function liftReport(input: LiftInput): LiftReport {
  const { treated, holdout } = input;
  const conversion = proportionDifference(
    treated.converted,
    treated.members,
    holdout.converted,
    holdout.members,
  );
  const holdoutRate = holdout.members > 0 ? holdout.converted / holdout.members : 0;
  const currencies = [
    ...new Set([...Object.keys(input.revenue.treated), ...Object.keys(input.revenue.holdout)]),
  ].sort();
  const revenueLift: Record<string, Difference | null> = {};
  const none: GroupRevenue = { revenue: 0, revenueSquares: 0 };
  for (const c of currencies) {
    const t = input.revenue.treated[c] ?? none;
    const h = input.revenue.holdout[c] ?? none;
    revenueLift[c] = meanDifference(
      t.revenue,
      t.revenueSquares,
      treated.members,
      h.revenue,
      h.revenueSquares,
      holdout.members,
    );
  }
  return {
    treated: group(treated, input.revenue.treated),
    holdout: group(holdout, input.revenue.holdout),
    excludedMembers: input.mixed,
    conversionLift: conversion
      ? {
          ...conversion,
          relative:
            holdoutRate > 0 ? round((treated.converted / treated.members - holdoutRate) / holdoutRate) : null,
        }
      : null,
    revenuePerMemberLift: revenueLift,
  };
}
