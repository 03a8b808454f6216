import { describe, expect, it } from 'vitest';
import { TransientStates, transientState } from './transient-states.ts';

const LOADING =
  "Response GroupCoordinator(key: 10, version: 2) The coordinator is loading and hence can't process requests for this group";

describe('known transient Kafka states', () => {
  it('recognises the start-up and rebalance states, and nothing else', () => {
    expect(transientState(LOADING)).toBe('coordinator loading');
    expect(transientState('Response FindCoordinator The group coordinator is not available')).toBe(
      'coordinator unavailable',
    );
    expect(transientState('The group is rebalancing, re-joining')).toBe('rebalance');
    expect(transientState('Restarting the consumer in 300ms')).toBe('consumer restart');
    expect(transientState('Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBe('broker unreachable');
    expect(transientState('Failed to send messages: Message was too large')).toBeUndefined();
  });

  it('debug while a state lasts less than the bound, then one error per bound', () => {
    let t = 0;
    const gate = new TransientStates(30_000, () => t);
    const at = (ms: number) => {
      t = ms;
      return gate.see(LOADING)?.level;
    };
    expect([at(0), at(1_000), at(29_999)]).toEqual(['debug', 'debug', 'debug']);
    expect(at(30_000)).toBe('error');
    expect([at(31_000), at(59_999)]).toEqual(['debug', 'debug']);
    expect(at(60_000)).toBe('error');
    expect(gate.see('Failed to send messages: Message was too large')).toBeUndefined();
  });

  it('a state that went away for longer than the bound starts a new streak', () => {
    let t = 0;
    const gate = new TransientStates(30_000, () => t);
    gate.see(LOADING);
    t = 20_000;
    gate.see(LOADING);
    t = 51_000; // 31 s of quiet: resolved, and this is a new start-up
    expect(gate.see(LOADING)).toMatchObject({ level: 'debug', lastedMs: 0 });
  });
});
