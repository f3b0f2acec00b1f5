/** A token of the XDR language: a word (identifier or keyword), a number, or one punctuation character. */
export interface XdrToken {
  readonly kind: 'word' | 'number' | 'punct';
  readonly text: string;
  /** 1-based line in the source, for error messages. */
  readonly line: number;
}

const PUNCTUATION = new Set(['{', '}', '(', ')', '[', ']', '<', '>', ';', ',', '=', '*', ':']);

/**
 * Splits a `.x` file into tokens. Comments (C style) and `%` passthrough lines, which rpcgen copies into C
 * output, carry no XDR and are dropped.
 */
export function tokenizeXdr(source: string, file: string): XdrToken[] {
  const tokens: XdrToken[] = [];
  let line = 1;
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`${file}:${line}: ${message}`);
  };
  let atLineStart = true;
  while (i < source.length) {
    const char = source[i]!;
    if (char === '\n') {
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      i++;
      continue;
    }
    if (atLineStart && char === '%') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    atLineStart = false;
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      for (let j = i; j < end; j++) if (source[j] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (PUNCTUATION.has(char)) {
      tokens.push({ kind: 'punct', text: char, line });
      i++;
      continue;
    }
    const number = /^-?(0x[0-9a-fA-F]+|[0-9]+)/.exec(source.slice(i, i + 32));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], line });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, i + 256));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], line });
      i += word[0].length;
      continue;
    }
    fail(`unexpected character ${JSON.stringify(char)}`);
  }
  return tokens;
}
