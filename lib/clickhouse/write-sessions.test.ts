import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { WriteSessions } from './write-sessions.ts';

const client = (name: string) => ({ name }) as unknown as ClickHouseClient;
const nameOf = (c: ClickHouseClient) => (c as unknown as { name: string }).name;

/** A write that holds its session until released, and says which session it got. */
function held(sessions: WriteSessions) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let got = '';
  const done = sessions.run(async (c) => {
    got = nameOf(c);
    await gate;
  });
  return { release, done, got: () => got };
}

describe('WriteSessions', () => {
  it('sends writes that overlap to different sessions, and a later one to the least busy', async () => {
    const s = new WriteSessions([client('a'), client('b')]);
    const one = held(s);
    const two = held(s);
    expect([one.got(), two.got()]).toEqual(['a', 'b']);
    const three = held(s); // both busy: the first of the least busy
    expect(three.got()).toBe('a');
    two.release();
    await two.done;
    const four = held(s);
    expect(four.got()).toBe('b');
    for (const w of [one, three, four]) w.release();
    await Promise.all([one.done, three.done, four.done]);
  });

  it('frees the session when a write fails', async () => {
    const s = new WriteSessions([client('a'), client('b')]);
    await expect(s.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const next = held(s);
    expect(next.got()).toBe('a'); // 'a' is not counted busy after the failure
    next.release();
    await next.done;
  });

  it('keeps commands on the first session', () => {
    const s = new WriteSessions([client('a'), client('b')]);
    expect(nameOf(s.primary)).toBe('a');
    expect(() => new WriteSessions([])).toThrow(/at least one/);
  });
});
