import { describe, expect, it } from 'vitest';
import { chiSquarePValue, chiSquareUniform } from '../../testkit/stats.js';

// The p-value function guards the uniformity tests; check it against
// published chi-square critical values so a wrong p-value cannot pass them.
describe('chiSquarePValue', () => {
  it.each([
    // [statistic, df, p]: standard table values
    [3.841, 1, 0.05],
    [6.635, 1, 0.01],
    [18.307, 10, 0.05],
    [23.209, 10, 0.01],
    [60.481, 44, 0.05],
    [68.71, 44, 0.01],
    [124.342, 100, 0.05],
  ])('P(X >= %f | df=%i) ~= %f', (x, df, p) => {
    expect(chiSquarePValue(x, df)).toBeCloseTo(p, 3);
  });

  it('is 1 at zero and falls towards 0 far in the tail', () => {
    expect(chiSquarePValue(0, 5)).toBe(1);
    expect(chiSquarePValue(500, 44)).toBeLessThan(1e-50);
  });
});

describe('chiSquareUniform', () => {
  it('is 0 for perfectly even counts and large for skewed ones', () => {
    expect(chiSquareUniform([10, 10, 10, 10]).statistic).toBe(0);
    const skewed = chiSquareUniform([100, 0, 0, 0]);
    expect(skewed.statistic).toBe(300);
    expect(skewed.pValue).toBeLessThan(1e-60);
  });
});
