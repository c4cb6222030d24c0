/** The GB/T 47678.5 component classes (表A.1) and the legacy 4-digit aliases, from data/catalog, read once. */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from '../db/seed.js';
import type { ComponentCatalog } from './codes.js';

interface Entry {
  code: string;
  majorName: string;
  name: string;
}

let cached: (ComponentCatalog & { entries: Entry[]; legacy: [string, string][] }) | undefined;

export function componentCatalog(): ComponentCatalog & { entries: Entry[]; legacy: [string, string][] } {
  if (cached) return cached;
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'catalog', name), 'utf8'));
  const entries = (read('components-gb47678.json') as { entries: Entry[] }).entries;
  const aliases = (read('legacy-aliases.json') as { component: Record<string, string> }).component;
  const names = new Map(entries.map((e) => [e.code, e.name]));
  cached = {
    entries,
    /** Legacy 4-digit class → 5-digit class. */
    legacy: Object.entries(aliases),
    name: (c) => names.get(c),
    fromLegacy: (c) => aliases[c],
  };
  return cached;
}
