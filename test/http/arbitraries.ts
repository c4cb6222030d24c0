/**
 * fast-check arbitraries driven by JSON schemas from /api/openapi.json: schema-shaped values and hostile ones
 * (NUL, lone surrogates, huge or non-finite numbers, impossible dates, deep nesting, wrong types, extra fields).
 * Values that JSON.stringify cannot express (1e400, deep nesting) are Raw and spliced into the JSON text verbatim.
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

/** A piece of JSON text to put verbatim into a body. */
export class Raw {
  constructor(readonly text: string) {}
}

const RAW_MARK = '\u0001RAW\u0001';

/** JSON text of a generated value, Raw pieces spliced in. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => (v instanceof Raw ? `${RAW_MARK}${raws.push(v.text) - 1}` : v));
  return text.replace(/"\\u0001RAW\\u0001(\d+)"/g, (_m, i: string) => raws[Number(i)]);
}

/** Percent-encodes a parameter value, lone surrogates as the (invalid) UTF-8 bytes a careless client would send. */
export function encodeParam(s: string): string {
  let out = '';
  for (const ch of s) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const c = ch.charCodeAt(0);
      out += [
        '%',
        (0xe0 | (c >> 12)).toString(16),
        '%',
        (0x80 | ((c >> 6) & 0x3f)).toString(16),
        '%',
        (0x80 | (c & 0x3f)).toString(16),
      ]
        .join('')
        .toUpperCase();
    }
  }
  return out;
}

const nested = (depth: number) => new Raw('['.repeat(depth) + ']'.repeat(depth));

/** Hostile strings: for path and query parameters and any string field. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00',
    '\ud83d',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999999',
    'Infinity',
    '-Infinity',
    'NaN',
    '1e400',
    '-0',
    '0x10',
    '1.5',
    '',
    ' ',
    '0000-01-01',
    '+275760-09-13',
    '2026-02-30',
    '2026-13-01',
    '0000-01-01T00:00:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T00:00:00',
    '9999-12-31T23:00:00-05:00',
    '1000-01-01T00:00:00+05:00',
    "'; drop table case_record; --",
    '%',
    '../../etc/passwd',
    '中文',
    'x'.repeat(5000),
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Hostile JSON values for body fields. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  /* eslint-disable no-loss-of-precision -- integers beyond 2^53 and bigint are the point of these values */
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -1e308,
    9223372036854775808,
    2147483648,
    9007199254740993,
    /* eslint-enable no-loss-of-precision */
    [],
    {},
    [null],
    { a: '\u0000' },
    new Raw('1e400'),
    new Raw('-1e400'),
    nested(65),
    nested(5000),
    new Raw('{"__proto__":{"x":1}}'),
  ),
  fc.anything({ maxDepth: 2, maxKeys: 3 }),
);

function lengthBounds(s: Schema, cap: number) {
  const min = s.minLength ?? s.minItems ?? 0;
  return { minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? s.maxItems ?? cap, cap)) };
}

function dateArb(withTime: boolean): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => (withTime ? d.toISOString() : d.toISOString().slice(0, 10)));
}

function patternArb(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern)).filter((s) => s.length <= 64);
  } catch {
    return fc.string({ maxLength: 12 });
  }
}

function typed(type: string, s: Schema, hostile: boolean, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = Math.max(s.minimum ?? -1000, -1e6),
        max = Math.min(s.maximum ?? 100000, 1e6);
      return fc.integer({ min: Math.min(min, max), max: Math.max(min, max) });
    }
    case 'number': {
      const min = Math.max(s.minimum ?? s.exclusiveMinimum ?? -1000, -1e6),
        max = Math.min(s.maximum ?? 100000, 1e6);
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'string':
      if (s.format === 'date') return dateArb(false);
      if (s.format === 'date-time') return dateArb(true);
      if (typeof s.pattern === 'string') return patternArb(s.pattern);
      return fc.string(lengthBounds(s, 16));
    case 'array':
      if (depth > 6) return fc.constant([]);
      return fc.array(valueFor(s.items ?? {}, hostile, depth + 1), lengthBounds(s, 4));
    case 'object': {
      if (depth > 6) return fc.constant({});
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, sub] of Object.entries(props)) record[k] = valueFor(sub, hostile, depth + 1);
      const base = fc.record(record, {
        requiredKeys: [...required].filter((k) => k in props) as never[],
      }) as fc.Arbitrary<Record<string, unknown>>;
      const extra = hostile
        ? fc.option(
            fc.tuple(
              fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('\u0000', '\ud800', '__proto__')),
              hostileJson,
            ),
            { freq: 4 },
          )
        : fc.constant(null);
      return fc.tuple(base, extra).map(([o, x]) => (x ? { ...o, [x[0]]: x[1] } : o));
    }
    default:
      return fc.anything({ maxDepth: 1 });
  }
}

/** A value for a schema; in hostile mode any part may be replaced by a hostile value. */
export function valueFor(s: Schema, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  let shaped: fc.Arbitrary<unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) shaped = fc.constantFrom(...s.enum);
  else if (s.const !== undefined) shaped = fc.constant(s.const);
  else {
    const types: string[] = s.type === undefined ? ['string', 'number', 'object'] : [].concat(s.type);
    shaped = fc.oneof(...types.map((t) => typed(t, s, hostile, depth)));
  }
  return hostile ? fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: hostileJson }) : shaped;
}

/** A value for a path or query parameter, as text (undefined: leave an optional parameter out). */
export function paramFor(s: Schema, hostile: boolean, known: unknown[] = []): fc.Arbitrary<string> {
  const shaped = valueFor(s, false).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const options: fc.WeightedArbitrary<string>[] = [{ weight: 3, arbitrary: shaped }];
  if (known.length > 0) options.push({ weight: 3, arbitrary: fc.constantFrom(...known.map(String)) });
  if (hostile) options.push({ weight: 3, arbitrary: hostileText });
  return fc.oneof(...options);
}
