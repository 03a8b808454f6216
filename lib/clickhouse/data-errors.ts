// Which ClickHouse rejections are about the data itself, as opposed to the server, the schema or
// the statement. Only these make the exactly-once runner bisect a range to isolate a bad record:
// any other error is retried with backoff, so a misconfiguration can never dead-letter good records.
import { StoreQueryError } from '../errors.ts';

const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '33', // CANNOT_READ_ALL_DATA
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '748', // AVRO_EXCEPTION: "EOF reached", "Invalid Avro varint", "Cannot have negative length"
]);

/** True when ClickHouse rejected the rows it was given (a malformed record), not the request. */
export function isRejectedData(err: unknown): boolean {
  return err instanceof StoreQueryError && err.chCode !== undefined && DATA_ERROR_CODES.has(err.chCode);
}
