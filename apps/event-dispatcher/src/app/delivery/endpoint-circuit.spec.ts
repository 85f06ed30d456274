import { EndpointCircuit, MAX_CIRCUIT_OPEN_MS } from './endpoint-circuit';

describe('EndpointCircuit', () => {
  let now = 0;
  const circuit = () => new EndpointCircuit({ failureThreshold: 3, openMs: 1_000 }, () => now);

  beforeEach(() => (now = 10_000));

  it('stays closed below the threshold, and a success resets the count', () => {
    const c = circuit();
    expect(c.isAtRest).toBe(true);
    c.failed();
    c.failed();
    expect(c.isAtRest).toBe(false);
    c.succeeded();
    expect(c.isAtRest).toBe(true);
    c.failed();
    c.failed();
    expect(c.isOpen).toBe(false);
    expect(c.tryAcquire()).toBe(true);
  });

  it('opens at the threshold, refuses until its time, then lets exactly one probe through', () => {
    const c = circuit();
    for (let n = 0; n < 3; n++) c.failed();
    expect(c.isOpen).toBe(true);
    expect(c.tryAcquire()).toBe(false);
    now += 1_000;
    expect(c.tryAcquire()).toBe(true);
    expect(c.tryAcquire()).toBe(false);
    c.succeeded();
    expect(c.isOpen).toBe(false);
    expect(c.tryAcquire()).toBe(true);
  });

  it('doubles the wait after each failed probe, up to the ceiling', () => {
    const c = circuit();
    for (let n = 0; n < 3; n++) c.failed();
    let wait = 1_000;
    for (let probe = 0; probe < 12; probe++) {
      now = c.reopensAt;
      expect(c.tryAcquire()).toBe(true);
      c.failed();
      wait = Math.min(wait * 2, MAX_CIRCUIT_OPEN_MS);
      expect(c.reopensAt - now).toBe(wait);
    }
    expect(wait).toBe(MAX_CIRCUIT_OPEN_MS);
  });

  it('ignores failures of attempts that started before it opened', () => {
    const c = circuit();
    for (let n = 0; n < 3; n++) c.failed();
    const reopens = c.reopensAt;
    c.failed();
    c.failed();
    expect(c.reopensAt).toBe(reopens);
  });
});
