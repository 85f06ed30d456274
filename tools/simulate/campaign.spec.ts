import { CAMPAIGN_CALLS_IN_FLIGHT, rateShortfall } from './campaign';

describe('rateShortfall', () => {
  it('says nothing when the campaign reached nine tenths of the rate asked', () => {
    expect(rateShortfall(50, 50, 20)).toBeUndefined();
    expect(rateShortfall(50, 45, 20)).toBeUndefined();
  });

  it('names the bound of calls in flight when slow answers held the pace down', () => {
    // 32 calls in flight answered in 160 ms: about 200 calls/s, whatever the rate asked.
    expect(CAMPAIGN_CALLS_IN_FLIGHT).toBe(32);
    expect(rateShortfall(1000, 192.3, 160)).toBe(
      'rate:        asked 1000 calls/s, reached 192.3: at most 32 calls wait for an answer at once, and the gateway answered in a median of 160 ms (about 200 calls/s)',
    );
  });

  it('blames the sender when answers were quick enough for the rate', () => {
    expect(rateShortfall(100, 50, 5)).toBe('rate:        asked 100 calls/s, reached 50.0: this process could not send them faster');
  });
});
