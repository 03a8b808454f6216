import { StoreUnavailableError } from '../errors.ts';

/**
 * Fault injection at the store boundary, for tests and the chaos suite: while active, matching
 * operations fail exactly as an unreachable server would (a retriable StoreUnavailableError).
 */
export class FaultSwitch {
  private until = 0;
  private kinds: ReadonlySet<'read' | 'write'> = new Set();

  /** Fail the given kinds of operation for `ms` milliseconds (Infinity until cleared). */
  fail(kinds: Array<'read' | 'write'>, ms = Infinity): void {
    this.kinds = new Set(kinds);
    this.until = Date.now() + ms;
  }

  clear(): void {
    this.until = 0;
  }

  check(kind: 'read' | 'write'): void {
    if (this.kinds.has(kind) && Date.now() < this.until) {
      throw new StoreUnavailableError(`ClickHouse ${kind} rejected (injected fault)`);
    }
  }
}
