/**
 * Quoting for the POSIX sh command lines we send to hosts. Everything that reaches a remote shell from config or
 * from a file name goes through one of these two functions (the original broke on a `'` in a path: GAP-R7).
 */

/**
 * Quotes `s` as one literal sh word: the shell sees exactly these characters, nothing is expanded.
 * Single quotes protect every byte except `'` itself, which is written as `'\''`.
 * A NUL cannot be part of any shell word or path, so it is rejected rather than silently cut.
 */
export function shQuote(s: string): string {
  if (s.includes('\0')) throw new RangeError('a shell word cannot contain a NUL character');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes a path pattern so that the remote shell expands ONLY `*`, `?` and bracket expressions (`[abc]`, `[!a-z]`,
 * `[[:digit:]]`); spaces, `$`, backticks, `;`, quotes and `~` stay literal. A backslash makes the next character
 * literal (`\*` is a star in the file name). An unclosed `[` is a literal `[`.
 */
export function shGlob(pattern: string): string {
  if (pattern.includes('\0')) throw new RangeError('a shell word cannot contain a NUL character');
  let out = '';
  let literal = '';
  const flush = (): void => {
    if (literal) out += shQuote(literal);
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '\\' && i + 1 < pattern.length) {
      literal += pattern.charAt(++i);
    } else if (ch === '*' || ch === '?') {
      flush();
      out += ch;
    } else if (ch === '[') {
      const bracket = quoteBracket(pattern, i);
      if (bracket === null) {
        literal += ch;
      } else {
        flush();
        out += bracket.text;
        i = bracket.end;
      }
    } else {
      literal += ch;
    }
  }
  flush();
  // An empty pattern is still one (empty) word.
  return out === '' ? "''" : out;
}

/**
 * Quotes the bracket expression that opens at `start`, or returns null when it does not close. Inside the
 * brackets only `!` (negation), `-` (ranges) and `[:class:]` stay unquoted: dash, bash and busybox sh all treat a
 * quoted character inside brackets as a literal member, which is what keeps `[ $;]` harmless.
 */
function quoteBracket(pattern: string, start: number): { text: string; end: number } | null {
  let i = start + 1;
  let text = '[';
  const first = pattern.charAt(i);
  if (first === '!' || first === '^') {
    text += '!';
    i++;
  }
  const members: string[] = [];
  let isFirstMember = true;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === ']' && !isFirstMember) {
      if (members.length === 0) return null;
      return { text: `${text}${members.join('')}]`, end: i };
    }
    const cls = /^\[:([a-z]+):\]/.exec(pattern.slice(i));
    if (cls) {
      members.push(cls[0]);
      i += cls[0].length;
    } else if (ch === '-') {
      members.push('-');
      i++;
    } else if (ch === '/') {
      // A slash never matches inside brackets during pathname expansion; treat the whole `[` as literal.
      return null;
    } else {
      members.push(shQuote(ch));
      i++;
    }
    isFirstMember = false;
  }
  return null;
}
