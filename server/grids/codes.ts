/**
 * Region and unit-grid codes (GB/T 30428.1 / GB/T 2260): district 6 digits, street 9 = 6+3, community 12 = 9+3,
 * unit grid 15 = 12+3. A code always extends its parent's code.
 */
export type Level = 'district' | 'street' | 'community' | 'grid';

export const CODE_LENGTH: Record<Level, number> = { district: 6, street: 9, community: 12, grid: 15 };
const BY_LENGTH: Record<number, Level> = { 6: 'district', 9: 'street', 12: 'community', 15: 'grid' };
export const LEVEL_NAMES_ZH: Record<Level, string> = {
  district: '区县',
  street: '街道',
  community: '社区',
  grid: '单元网格',
};

export function levelOfCode(code: string): Level | undefined {
  return /^\d+$/.test(code) ? BY_LENGTH[code.length] : undefined;
}

export function parentCode(code: string): string | null {
  return code.length > 6 ? code.slice(0, code.length - 3) : null;
}

/** Why a code is not a valid code of the given level, or undefined when it is. */
export function codeProblem(code: unknown, level?: Level): string | undefined {
  if (typeof code !== 'string') return 'code must be a string of digits';
  if (!/^\d+$/.test(code)) return `code "${code}" must contain digits only`;
  const inferred = levelOfCode(code);
  if (level && code.length !== CODE_LENGTH[level]) {
    return `a ${level} code has ${CODE_LENGTH[level]} digits; "${code}" has ${code.length}`;
  }
  if (!inferred)
    return `code "${code}" has ${code.length} digits; expected 6 (district), 9 (street), 12 (community) or 15 (unit grid)`;
  return undefined;
}
