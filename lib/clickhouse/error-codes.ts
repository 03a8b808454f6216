// The one reading of ClickHouse's error codes. Each code has a kind and whether a later retry can
// get past it: the store turns that into StoreUnavailableError or StoreQueryError (translateError),
// the ad-hoc SQL route into 403, 400 or 503, and the consumer runner into "isolate the bad record".

export type ClickHouseErrorKind =
  /** The server is overloaded or in trouble, not the query. */
  | 'busy'
  /** The query ran into a limit (time, memory, rows, bytes). */
  | 'limit'
  /** Not allowed: readonly, access, a setting's constraint. */
  | 'forbidden'
  /** The rows it was given are malformed. */
  | 'data'
  /** Anything else ClickHouse refused: bad SQL, an unknown table or column, … */
  | 'rejected';

export interface CodeClass {
  kind: ClickHouseErrorKind;
  /** Whether a later retry of the same statement can succeed. */
  retriable: boolean;
}

const busy: CodeClass = { kind: 'busy', retriable: true };
const data: CodeClass = { kind: 'data', retriable: false };
const forbidden: CodeClass = { kind: 'forbidden', retriable: false };

const CODES: Record<string, CodeClass> = {
  '202': busy, // TOO_MANY_SIMULTANEOUS_QUERIES
  '203': busy, // NO_FREE_CONNECTION
  '209': busy, // SOCKET_TIMEOUT
  '210': busy, // NETWORK_ERROR
  '252': busy, // TOO_MANY_PARTS
  '319': busy, // UNKNOWN_STATUS_OF_INSERT
  '425': busy, // SYSTEM_ERROR
  '999': busy, // KEEPER_EXCEPTION
  // A table that refuses writes for now (e.g. a replica without Keeper): retried, but no SELECT
  // (the ad-hoc route's only statement) can meet it.
  '242': { kind: 'rejected', retriable: true }, // TABLE_IS_READ_ONLY
  // Time and memory may be there on a later try; a row or byte limit will be hit again.
  '159': { kind: 'limit', retriable: true }, // TIMEOUT_EXCEEDED
  '241': { kind: 'limit', retriable: true }, // MEMORY_LIMIT_EXCEEDED
  '158': { kind: 'limit', retriable: false }, // TOO_MANY_ROWS
  '160': { kind: 'limit', retriable: false }, // TOO_SLOW
  '307': { kind: 'limit', retriable: false }, // TOO_MANY_BYTES
  '396': { kind: 'limit', retriable: false }, // TOO_MANY_ROWS_OR_BYTES
  '164': forbidden, // READONLY
  '452': forbidden, // SETTING_CONSTRAINT_VIOLATION
  '497': forbidden, // ACCESS_DENIED
  '6': data, // CANNOT_PARSE_TEXT
  '26': data, // CANNOT_PARSE_QUOTED_STRING
  '27': data, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32': data, // ATTEMPT_TO_READ_AFTER_EOF
  '33': data, // CANNOT_READ_ALL_DATA
  '38': data, // CANNOT_PARSE_DATE
  '41': data, // CANNOT_PARSE_DATETIME
  '53': data, // TYPE_MISMATCH
  '69': data, // ARGUMENT_OUT_OF_BOUND
  '70': data, // CANNOT_CONVERT_TYPE
  '72': data, // CANNOT_PARSE_NUMBER
  '117': data, // INCORRECT_DATA
  '131': data, // TOO_LARGE_STRING_SIZE
  '748': data, // AVRO_EXCEPTION
};

const REJECTED: CodeClass = { kind: 'rejected', retriable: false };

/** The class of a numeric ClickHouse error code (unknown codes: rejected, not retriable). */
export const classifyCode = (code: string): CodeClass => CODES[code] ?? REJECTED;

/**
 * The numeric ClickHouse code an error carries: a driver error's own `code`, or the code our typed
 * errors keep (StoreQueryError.chCode, or the driver error they wrap). Undefined for other errors.
 */
export function clickhouseCode(err: unknown): string | undefined {
  const e = err as { chCode?: unknown; code?: unknown; cause?: { code?: unknown } } | null | undefined;
  for (const c of [e?.chCode, e?.code, e?.cause?.code]) {
    if (c !== undefined && c !== null && /^\d+$/.test(String(c))) return String(c);
  }
  return undefined;
}

/** The kind of a ClickHouse error, or undefined when the error carries no ClickHouse code. */
export function clickhouseErrorKind(err: unknown): ClickHouseErrorKind | undefined {
  const code = clickhouseCode(err);
  return code === undefined ? undefined : classifyCode(code).kind;
}
