// Prices are stored as integer US cents (averages as fractional cents); the API speaks dollars.

/** Rounds to 2 decimals (half away from zero, on the cent). */
export function round2(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 100)) / 100;
}

/** Cents → US dollars with 2 decimals; null stays null. */
export function centsToUsd(cents: number | null | undefined): number | null {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return null;
  return (Math.sign(cents) * Math.round(Math.abs(cents))) / 100;
}
