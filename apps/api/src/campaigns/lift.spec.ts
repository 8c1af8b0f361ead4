import { liftReport, meanDifference, proportionDifference, Z95 } from './lift';

describe('lift statistics', () => {
  it('difference of proportions with the unpooled normal approximation', () => {
    const d = proportionDifference(4, 10, 1, 10);
    const se = Math.sqrt((0.4 * 0.6) / 10 + (0.1 * 0.9) / 10);
    expect(d?.difference).toBeCloseTo(0.3, 10);
    expect(d?.confidenceInterval95[0]).toBeCloseTo(0.3 - Z95 * se, 5);
    expect(d?.confidenceInterval95[1]).toBeCloseTo(0.3 + Z95 * se, 5);
    expect(d?.significant).toBe(false);
    expect(proportionDifference(300, 1000, 200, 1000)?.significant).toBe(true);
    expect(proportionDifference(1, 0, 1, 10)).toBeNull();
  });

  it('difference of means from sums and sums of squares (members without revenue count 0)', () => {
    // treated per-member revenue [10, 0, 20, 0], holdout [5, 0, 0]
    const d = meanDifference(30, 500, 4, 5, 25, 3);
    const var1 = ((10 - 7.5) ** 2 + 7.5 ** 2 + (20 - 7.5) ** 2 + 7.5 ** 2) / 3;
    const var2 = ((5 - 5 / 3) ** 2 + 2 * (5 / 3) ** 2) / 2;
    const se = Math.sqrt(var1 / 4 + var2 / 3);
    expect(d?.difference).toBeCloseTo(7.5 - 5 / 3, 5);
    expect(d?.confidenceInterval95[0]).toBeCloseTo(7.5 - 5 / 3 - Z95 * se, 5);
    expect(meanDifference(1, 1, 1, 1, 1, 5)).toBeNull();
  });

  it('assembles the report per group and currency', () => {
    const report = liftReport({
      treated: { members: 10, converted: 4, orders: 5 },
      holdout: { members: 10, converted: 1, orders: 1 },
      mixed: 1,
      revenue: {
        treated: { CNY: { revenue: 400, revenueSquares: 40000 } },
        holdout: { CNY: { revenue: 100, revenueSquares: 10000 }, USD: { revenue: 20, revenueSquares: 400 } },
      },
    });
    expect(report.treated).toEqual({
      members: 10,
      converted: 4,
      conversionRate: 0.4,
      orders: 5,
      revenue: { CNY: 400 },
      revenuePerMember: { CNY: 40 },
    });
    expect(report.holdout.revenuePerMember).toEqual({ CNY: 10, USD: 2 });
    expect(report.excludedMembers).toBe(1);
    expect(report.conversionLift).toMatchObject({ difference: 0.3, relative: 3, significant: false });
    expect(Object.keys(report.revenuePerMemberLift)).toEqual(['CNY', 'USD']);
    expect(report.revenuePerMemberLift.USD?.difference).toBe(-2);
  });

  it('has no lift without members in both groups', () => {
    const report = liftReport({
      treated: { members: 3, converted: 1, orders: 1 },
      holdout: { members: 0, converted: 0, orders: 0 },
      mixed: 0,
      revenue: { treated: {}, holdout: {} },
    });
    expect(report.conversionLift).toBeNull();
    expect(report.holdout.conversionRate).toBeNull();
  });
});
