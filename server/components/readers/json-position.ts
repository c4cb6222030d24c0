/**
 * Where JSON text first breaks. V8's JSON.parse names the position for most faults but not for all ("Unexpected
 * token 'x', … is not valid JSON"), so on failure the text is scanned again here (iteratively: deep nesting cannot
 * overflow the stack) to name the line and column.
 */

/** The 0-based offset of the first syntax error in `s`, or -1 when it is valid JSON. */
export function jsonErrorOffset(s: string): number {
  const stack: string[] = [];
  let state: 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'after' = 'value';
  let i = 0;
  const n = s.length;
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (;;) {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
    if (i >= n) return state === 'after' && stack.length === 0 ? -1 : i;
    const c = s[i];
    if (state === 'after') {
      if (stack.length === 0) return i;
      const top = stack[stack.length - 1];
      if (c === ',') state = top === '{' ? 'key' : 'value';
      else if ((c === '}' && top === '{') || (c === ']' && top === '[')) stack.pop();
      else return i;
      i++;
    } else if (state === 'key' || state === 'keyOrEnd') {
      if (state === 'keyOrEnd' && c === '}') {
        stack.pop();
        state = 'after';
        i++;
        continue;
      }
      if (c !== '"') return i;
      const end = stringEnd(s, i);
      if (end < 0) return -end - 1;
      i = end;
      while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
      if (s[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      if (state === 'valueOrEnd' && c === ']') {
        stack.pop();
        state = 'after';
        i++;
      } else if (c === '{' || c === '[') {
        stack.push(c);
        state = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
        i++;
      } else if (c === '"') {
        const end = stringEnd(s, i);
        if (end < 0) return -end - 1;
        i = end;
        state = 'after';
      } else {
        const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
        if (word) {
          for (let k = 1; k < word.length; k++) if (s[i + k] !== word[k]) return i + k; // where JSON.parse stops
          i += word.length;
        } else {
          number.lastIndex = i;
          if (!number.test(s)) return i;
          i = number.lastIndex;
        }
        state = 'after';
      }
    }
  }
}

/** The offset after the string starting at `i` (a quote), or -(offset of the fault) - 1. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -j - 1;
    if (c === 0x5c) {
      const e = s[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) return -j - 1;
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else return -j - 1;
    }
  }
  return -s.length - 1;
}

/** 1-based line and column of an offset. */
export function lineColumn(s: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < offset; i = s.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
