// Moved to producers/sources/vividseats/hermes.ts (a source is one folder); this re-export keeps the
// imports that predate the folder working.
export * from './vividseats/hermes.ts';
