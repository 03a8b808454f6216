// A lexical scanner for ClickHouse DDL, just enough to find clauses at the top level of a statement
// (outside parentheses, string literals, quoted identifiers and comments) without parsing
// expressions. The cluster renderer (cluster.ts) rewrites statements by these token positions, so
// every byte it does not touch stays as the migration wrote it.

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'space' | 'comment';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  /** Parenthesis/bracket nesting at the token (an opening bracket has the outer depth). */
  depth: number;
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
const NUMBER = /[0-9][0-9A-Za-z_.]*/y;
const SPACE = /\s+/y;

function quotedEnd(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === '\\') i++;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  throw new SyntaxError(`unterminated ${quote} at offset ${start}`);
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: TokenKind, end: number, d = depth) => {
    out.push({ kind, text: sql.slice(i, end), start: i, end, depth: d });
    i = end;
  };
  const sticky = (re: RegExp) => {
    re.lastIndex = i;
    return re.exec(sql) ? re.lastIndex : -1;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    let end: number;
    if ((end = sticky(SPACE)) > 0) push('space', end);
    else if (sql.startsWith('--', i)) push('comment', sql.includes('\n', i) ? sql.indexOf('\n', i) : sql.length);
    else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new SyntaxError(`unterminated comment at offset ${i}`);
      push('comment', close + 2);
    } else if (c === "'") push('string', quotedEnd(sql, i, "'"));
    else if (c === '`' || c === '"') push('quoted', quotedEnd(sql, i, c));
    else if ((end = sticky(WORD)) > 0) push('word', end);
    else if ((end = sticky(NUMBER)) > 0) push('number', end);
    else if (c === '(' || c === '[') push('punct', i + 1, depth++);
    else if (c === ')' || c === ']') {
      if (depth === 0) throw new SyntaxError(`unbalanced ${c} at offset ${i}`);
      push('punct', i + 1, --depth);
    } else push('punct', i + 1);
  }
  if (depth !== 0) throw new SyntaxError('unbalanced parentheses');
  return out;
}

/** The tokens that carry meaning: no spaces, no comments. */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

/** Whether `t` is the keyword `word` (case-insensitive) at the top level. */
export function isKeyword(t: Token | undefined, word: string, depth = 0): boolean {
  return t !== undefined && t.kind === 'word' && t.depth === depth && t.text.toUpperCase() === word;
}

/** Index in `toks` of the first top-level keyword sequence `words` at or after `from`, or -1. */
export function findKeywords(toks: Token[], words: string[], from = 0): number {
  for (let i = from; i + words.length <= toks.length; i++)
    if (words.every((w, k) => isKeyword(toks[i + k], w))) return i;
  return -1;
}

/** The index just past the bracket group that opens at `open` (a '(' or '[' token). */
export function closeOf(toks: Token[], open: number): number {
  const depth = toks[open]!.depth;
  for (let i = open + 1; i < toks.length; i++)
    if (toks[i]!.depth === depth && (toks[i]!.text === ')' || toks[i]!.text === ']')) return i + 1;
  throw new SyntaxError(`unclosed ${toks[open]!.text}`);
}
