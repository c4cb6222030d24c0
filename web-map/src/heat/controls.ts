/** The heat map's controls in the sidebar: toggle, category (大类) and period (DOM only). */
import { listCategories, type HeatQuery } from '../dispatch/api.js';
import { h } from '../dispatch/dom.js';

const DAY = 86_400_000;
const CATEGORY_TEXT = /^(component|matter):(\d{2}|\d{5})$/;
const KIND_LABELS = { component: '部件', matter: '事件' } as const;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;

/** The checkbox state and the API query the controls describe. */
export function readControls(now = Date.now()): { on: boolean; query: HeatQuery } {
  const on = $<HTMLInputElement>('heat-toggle')?.checked ?? false;
  const select = $<HTMLSelectElement>('heat-category');
  const text = $<HTMLInputElement>('heat-category-text');
  const typed = text && !text.hidden ? text.value.trim() : '';
  const category = typed ? (CATEGORY_TEXT.test(typed) ? typed : undefined) : select?.value || undefined;
  const days = Number($<HTMLSelectElement>('heat-period')?.value || 0);
  return { on, query: { category, ...(days > 0 ? { from: new Date(now - days * DAY).toISOString() } : {}) } };
}

export function onControlsChange(fn: () => void): void {
  $('heat-toggle')?.addEventListener('change', () => {
    document.getElementById('heat')?.classList.toggle('on', $<HTMLInputElement>('heat-toggle')!.checked);
    fn();
  });
  $('heat-category')?.addEventListener('change', fn);
  $('heat-period')?.addEventListener('change', fn);
  const text = $<HTMLInputElement>('heat-category-text');
  text?.addEventListener('change', () => {
    const v = text.value.trim();
    text.setAttribute('aria-invalid', String(!!v && !CATEGORY_TEXT.test(v)));
    if (!v || CATEGORY_TEXT.test(v)) fn();
    else setHeatMessage('大类格式应为 matter:06 或 component:01', 'error');
  });
}

/** The 大类 select from the category dictionary; a text box (`matter:06`) when the dictionary is unavailable. */
export async function fillCategories(): Promise<void> {
  const select = $<HTMLSelectElement>('heat-category');
  const text = $<HTMLInputElement>('heat-category-text');
  if (!select) return;
  try {
    const categories = await listCategories();
    const majors = new Map<string, { kind: 'component' | 'matter'; code: string; name: string }>();
    for (const c of categories) majors.set(`${c.kind}:${c.major_code}`, { kind: c.kind, code: c.major_code, name: c.major_name });
    for (const kind of ['matter', 'component'] as const) {
      const group = h('optgroup', { label: KIND_LABELS[kind] });
      for (const [key, m] of majors) if (m.kind === kind) group.append(h('option', { value: key }, `${m.code} ${m.name}`));
      if (group.children.length) select.append(group);
    }
  } catch {
    select.hidden = true;
    if (text) text.hidden = false;
  }
}

export function setHeatMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('heat-message');
  if (!el) return;
  el.textContent = text;
  el.className = kind;
  el.hidden = !text;
}
