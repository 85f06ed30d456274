import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker({ failureThreshold: 3, openMs: 1_000 }, () => now);

  it('opens after the threshold of consecutive failures and refuses calls while open', () => {
    const circuit = breaker();
    circuit.failed();
    circuit.failed();
    expect(circuit.allow()).toBe(true);
    circuit.failed();
    expect(circuit.state).toBe('open');
    expect(circuit.allow()).toBe(false);
  });

  it('counts only consecutive failures: a success starts over', () => {
    const circuit = breaker();
    circuit.failed();
    circuit.failed();
    circuit.succeeded();
    circuit.failed();
    circuit.failed();
    expect(circuit.state).toBe('closed');
  });

  it('lets one trial call through after the open time; its success closes, its failure reopens', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i += 1) circuit.failed();
    now += 1_000;
    expect(circuit.state).toBe('half_open');
    expect(circuit.allow()).toBe(true);
    expect(circuit.allow()).toBe(false);
    circuit.failed();
    expect(circuit.state).toBe('open');

    now += 1_000;
    expect(circuit.allow()).toBe(true);
    circuit.succeeded();
    expect(circuit.state).toBe('closed');
    expect(circuit.allow()).toBe(true);
    expect(circuit.allow()).toBe(true);
  });
});
