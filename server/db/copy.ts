/** COPY … FROM STDIN in PostgreSQL's text format: the statement and the escaping of one row. */

/** `COPY "table" ("a", "b") FROM STDIN` for plain identifiers (checked: staging tables and known columns only). */
export function copyStatement(table: string, columns: string[]): string {
  for (const id of [table, ...columns])
    if (!/^[a-z_][a-z0-9_]*$/.test(id)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(id)}`);
  return `COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
}

/** One value of a text-format row: null is \N; backslash, tab, newline and carriage return are escaped. */
export function copyValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  return /[\\\t\n\r]/.test(v)
    ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : v;
}

/** One text-format line (with its newline). */
export const copyLine = (values: (string | number | null | undefined)[]) => values.map(copyValue).join('\t') + '\n';
