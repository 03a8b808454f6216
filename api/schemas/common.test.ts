import { describe, expect, it } from 'vitest';
import { isPrintable } from './common.ts';

describe('isPrintable', () => {
  it('accepts text in any script, emoji included', () => {
    for (const s of ['', 'Orchestra', 'Upper Level 2', 'Оркестр', '二階席', '🎭 Stage', 'O\'Brien "VIP"'])
      expect(isPrintable(s), s).toBe(true);
  });
  it('refuses control characters and lone surrogates', () => {
    for (const s of ['a\u0000b', 'tab\t', 'line\n', '\u007f', '\u0085', '\ud800', 'x\udc00', '\ud83c'])
      expect(isPrintable(s), JSON.stringify(s)).toBe(false);
  });
});
