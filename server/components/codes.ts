/**
 * Component identification codes (部件标识码). Two schemes are in use:
 *
 *   GB/T 47678.5-2026  17 digits = 6 district + 2 major + 3 minor + 6 serial   e.g. 320508 01 001 000001
 *   CJ/T 214 / GB/T 30428.2  16 digits = 6 district + 2 major + 2 minor + 6 serial   e.g. 320508 01 01 000001
 *
 * A 16-digit code stays the component's code; its 4-digit class is read through the legacy aliases of the catalog
 * (data/catalog/legacy-aliases.json). Pure: the catalog is passed in, the database is not touched.
 */

export type ComponentScheme = 'gb47678' | 'legacy';

export interface ComponentCode {
  code: string;
  scheme: ComponentScheme;
  /** 6-digit district (GB/T 2260). */
  district: string;
  /** The GB/T 47678.5 class, 5 digits (2 major + 3 minor). */
  classCode: string;
  /** The 4-digit class of a 16-digit code, as written in it. */
  legacyClass?: string;
  /** 6-digit serial (顺序码 / 流水号), never 000000. */
  serial: string;
}

/** What the code checks need of the catalog. */
export interface ComponentCatalog {
  /** The class's name, or undefined when the 5-digit class is not in GB/T 47678.5 表A.1. */
  name(classCode: string): string | undefined;
  /** The 5-digit class of a legacy 4-digit class, or undefined when it has none. */
  fromLegacy(legacyClass: string): string | undefined;
}

export const SERIAL_DIGITS = 6;
const MAX_SERIAL = 10 ** SERIAL_DIGITS - 1;

/** Reads a component code; `{ problem }` says why it is not one. */
export function parseComponentCode(
  code: unknown,
  catalog: ComponentCatalog,
): { ok: ComponentCode; problem?: undefined } | { ok?: undefined; problem: string } {
  if (typeof code !== 'string' || !/^[0-9]+$/.test(code))
    return { problem: `a component code is 16 or 17 digits; got ${JSON.stringify(code)}` };
  if (code.length !== 16 && code.length !== 17)
    return {
      problem: `a component code is 17 digits (GB/T 47678.5: 6 district + 5 class + 6 serial) or 16 (CJ/T 214: 6 + 4 + 6); "${code}" has ${code.length}`,
    };
  const district = code.slice(0, 6);
  const serial = code.slice(-SERIAL_DIGITS);
  if (serial === '000000') return { problem: `the serial of "${code}" is 000000; serials start at 000001` };
  if (code.length === 17) {
    const classCode = code.slice(6, 11);
    if (!catalog.name(classCode))
      return { problem: `the class segment ${classCode} of "${code}" is not a component class of GB/T 47678.5` };
    return { ok: { code, scheme: 'gb47678', district, classCode, serial } };
  }
  const legacyClass = code.slice(6, 10);
  const classCode = catalog.fromLegacy(legacyClass);
  if (!classCode)
    return {
      problem: `the class segment ${legacyClass} of the 16-digit code "${code}" has no GB/T 47678.5 equivalent in the legacy aliases`,
    };
  return { ok: { code, scheme: 'legacy', district, classCode, legacyClass, serial } };
}

/** Why the code's class segment disagrees with the row's class, or undefined when they agree. */
export function classMismatch(parsed: ComponentCode, rowClass: string, catalog: ComponentCatalog): string | undefined {
  if (parsed.classCode === rowClass) return undefined;
  const named = (c: string) => `${c} (${catalog.name(c) ?? '?'})`;
  const segment =
    parsed.scheme === 'legacy' ? `${parsed.legacyClass}, i.e. ${named(parsed.classCode)}` : named(parsed.classCode);
  return `the code ${parsed.code} names class ${segment} but the row's class is ${named(rowClass)}`;
}

/**
 * Allocates 17-digit codes for components that came without one: the next serials of their district and class after
 * the highest already taken (stored, or given earlier in the same file). `taken` is updated as codes are handed out.
 */
export class SerialAllocator {
  private highest = new Map<string, number>();

  /** Records a code already in use (17- or 16-digit: a 16-digit code reserves its serial under its 5-digit class). */
  take(parsed: ComponentCode): void {
    this.takeSerial(parsed.district, parsed.classCode, Number(parsed.serial));
  }

  /** Records a serial in use under a district and 5-digit class. */
  takeSerial(district: string, classCode: string, serial: number): void {
    const key = district + classCode;
    this.highest.set(key, Math.max(this.highest.get(key) ?? 0, serial));
  }

  /** The next free 17-digit code of a district and class; throws when its 999,999 serials are used up. */
  next(district: string, classCode: string): string {
    const key = district + classCode;
    const serial = (this.highest.get(key) ?? 0) + 1;
    if (serial > MAX_SERIAL) throw new Error(`district ${district} has no serial left for class ${classCode}`);
    this.highest.set(key, serial);
    return `${district}${classCode}${String(serial).padStart(SERIAL_DIGITS, '0')}`;
  }
}
