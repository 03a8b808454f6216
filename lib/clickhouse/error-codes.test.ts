import { describe, expect, it } from 'vitest';
import { StoreQueryError, StoreUnavailableError } from '../errors.ts';
import { classifyCode, clickhouseCode, clickhouseErrorKind } from './error-codes.ts';
import { translateError } from './store.ts';

/** An error as @clickhouse/client raises it: ClickHouse's code as a numeric string, and its type. */
const driverError = (code: string, type: string) => Object.assign(new Error(`${type}: something`), { code, type });

describe('ClickHouse error codes', () => {
  it('classifies each code once: kind and whether a retry can help', () => {
    expect(classifyCode('202')).toEqual({ kind: 'busy', retriable: true });
    expect(classifyCode('159')).toEqual({ kind: 'limit', retriable: true });
    expect(classifyCode('396')).toEqual({ kind: 'limit', retriable: false });
    expect(classifyCode('164')).toEqual({ kind: 'forbidden', retriable: false });
    expect(classifyCode('27')).toEqual({ kind: 'data', retriable: false });
    expect(classifyCode('62')).toEqual({ kind: 'rejected', retriable: false }); // SYNTAX_ERROR
  });

  it('finds the code on a driver error and on the store’s typed errors', () => {
    const busy = driverError('202', 'TOO_MANY_SIMULTANEOUS_QUERIES');
    expect(clickhouseCode(busy)).toBe('202');
    expect(clickhouseCode(new StoreUnavailableError('busy', busy))).toBe('202');
    expect(clickhouseCode(new StoreQueryError('bad', '47', 'UNKNOWN_IDENTIFIER'))).toBe('47');
    expect(clickhouseCode(new Error('connect ECONNREFUSED'))).toBeUndefined();
    expect(clickhouseErrorKind(new StoreQueryError('no', '497', 'ACCESS_DENIED'))).toBe('forbidden');
  });

  it('the store turns retriable codes into StoreUnavailableError and keeps the code of the others', () => {
    expect(translateError(driverError('241', 'MEMORY_LIMIT_EXCEEDED'), 'query')).toBeInstanceOf(StoreUnavailableError);
    const rejected = translateError(driverError('396', 'TOO_MANY_ROWS_OR_BYTES'), 'query');
    expect(rejected).toBeInstanceOf(StoreQueryError);
    expect((rejected as StoreQueryError).chCode).toBe('396');
    expect(translateError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'query')).toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});
