import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, RunnerStates, type RunnerState } from './state.ts';

const walk = (...steps: RunnerState[]) => {
  const s = new RunnerStates();
  for (const step of steps) s.to(step);
  return s;
};

describe('runner states', () => {
  it('allows the documented paths', () => {
    expect(walk('running', 'backing-off', 'running', 'stopping', 'stopped').current).toBe('stopped');
    expect(walk('running', 'backing-off', 'stopping', 'stopped').current).toBe('stopped');
    expect(walk('stopping', 'stopped').current).toBe('stopped');
  });

  it.each<[RunnerState[], RunnerState]>([
    [[], 'backing-off'],
    [[], 'stopped'],
    [['running'], 'idle'],
    [['running'], 'stopped'],
    [['running', 'stopping'], 'running'],
    [['running', 'stopping', 'stopped'], 'running'],
  ])('refuses %j -> %s', (path, next) => {
    const s = walk(...path);
    expect(() => s.to(next)).toThrow(IllegalTransitionError);
  });

  it('is active only while running or backing off', () => {
    expect(walk().active).toBe(false);
    expect(walk('running').active).toBe(true);
    expect(walk('running', 'backing-off').active).toBe(true);
    expect(walk('running', 'stopping').active).toBe(false);
  });
});
