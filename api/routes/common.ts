// Responses shared by the route modules, for the OpenAPI document.
import { ErrorBodySchema } from '../errors.ts';

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBodySchema } } });

export const E400 = { 400: err('Invalid parameter or body; `field` names it') };
export const E401 = { 401: err('Missing or invalid API key (WWW-Authenticate: Bearer)') };
export const E403 = { 403: err('Not allowed') };
export const E404 = { 404: err('Unknown event, zone or job') };
export const E409 = { 409: err('The event already exists') };
export const E413 = { 413: err('Body larger than the configured limit') };
export const E429 = { 429: err('Rate limit exceeded; see Retry-After') };
export const E503 = { 503: err('Storage or broker unavailable; see Retry-After') };
export const E500 = { 500: err('Unexpected error (generic message, details only in the server log)') };

/** The errors every /v1 endpoint can answer with. */
export const COMMON_ERRORS = { ...E400, ...E401, ...E429, ...E503, ...E500 };
