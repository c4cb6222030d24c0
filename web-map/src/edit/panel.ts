/**
 * The editing panel (网格编辑, DOM only): where edits go (直接编辑, a draft, 新建草稿), the draft bar (its steps,
 * 撤销, 影响分析, 发布, 放弃 and their answers), the selected grid with its tools (拆分, 合并, 退役, 改名, 移至社区,
 * 历史), 在空白处新建, and the problems of a refused edit (numbered like their markers on the map). Rebuilt from a
 * view on every change; the controller (edit/index.ts) owns the state.
 */
import type { Polygon } from 'geojson';
import { h } from '../dom.js';
import { formatArea } from '../ui.js';
import type { Community, Draft, DraftSummary, EditProblem, GridHistory, PublishResult, WhatIf } from './api.js';
import { stepText } from './labels.js';
import { historyBlock, publishedBlock, whatIfBlock } from './reports.js';

export type GridTool = 'split' | 'merge' | 'retire' | 'rename' | 'move' | 'history' | 'create';

/** The grid being edited: live (with its version, the If-Match of a direct edit) or as the open draft has it. */
export interface EditGrid {
  code: string;
  name: string;
  community_code: string;
  area_m2?: number;
  version?: number;
  inDraft: boolean;
}

export interface PanelView {
  user: string;
  drafts: DraftSummary[];
  draft: Draft | null;
  grid: EditGrid | null;
  tool: GridTool | null;
  picked: string[];
  communities: Community[];
  history: GridHistory | null;
  whatIf: WhatIf | null;
  published: PublishResult | null;
  /** The polygon drawn for 在空白处新建, waiting for its name and community. */
  created: Polygon | null;
  problems: EditProblem[];
  warnings: EditProblem[];
  message: { text: string; kind: 'info' | 'error' } | null;
  busy: boolean;
  confirmDiscard: boolean;
}

/** The view before anything happened. */
export const emptyView = (user: string): PanelView => ({
  user,
  drafts: [],
  draft: null,
  grid: null,
  tool: null,
  picked: [],
  communities: [],
  history: null,
  whatIf: null,
  published: null,
  created: null,
  problems: [],
  warnings: [],
  message: null,
  busy: false,
  confirmDiscard: false,
});

/** The 编辑 map control and the (hidden) panel: its body is rebuilt by renderPanel, the slot holds 责任区. */
export function buildPanel(user: string, onClose: () => void) {
  const toggleButton = h(
    'button',
    { type: 'button', class: 'edit-toggle', title: '网格编辑', 'aria-pressed': 'false' },
    '编辑',
  );
  const control = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group edit-control' }, toggleButton);
  const body = h('div', { class: 'edit-body' });
  const respSlot = h('div', { class: 'edit-resp-slot' });
  const close = h('button', { type: 'button', class: 'close', 'aria-label': '退出编辑', title: '退出编辑' }, '×');
  close.addEventListener('click', onClose);
  const panel = h(
    'aside',
    { id: 'edit', class: 'card', hidden: true, 'aria-labelledby': 'edit-title' },
    h('header', {}, h('h2', { id: 'edit-title' }, '网格编辑'), h('span', { class: 'muted user' }, user), close),
    body,
    respSlot,
  );
  return { toggleButton, control, panel, body, respSlot };
}

export interface PanelActions {
  close(): void;
  setTarget(draftId: number | null): void;
  newDraft(name: string): void;
  undo(): void;
  whatIf(): void;
  publish(): void;
  discard(): void;
  tool(t: GridTool | null): void;
  confirmMerge(): void;
  confirmRetire(): void;
  rename(name: string): void;
  move(communityCode: string): void;
  create(name: string, communityCode: string): void;
  focusProblem(i: number): void;
}

const TOOL_BUTTONS: [GridTool, string][] = [
  ['split', '拆分'],
  ['merge', '合并'],
  ['retire', '退役'],
  ['rename', '改名'],
  ['move', '移至社区'],
  ['history', '历史'],
];

const TOOL_HINTS: Partial<Record<GridTool, string>> = {
  split: '在地图上画一条穿过网格的线：单击添加点，按回车或再次单击最后一点结束。',
  merge: '单击相邻网格（同一社区）加入合并，再单击可移出，然后确认。',
  retire: '单击接收该网格面积的相邻网格，然后确认。',
  create: '在空白处单击各个角点画出网格，单击起点或按回车闭合。',
};

const button = (label: string, onclick: () => void, attrs: Record<string, string | boolean> = {}) =>
  h('button', { type: 'button', class: 'small', onclick, ...attrs }, label);

function targetSection(v: PanelView, a: PanelActions): HTMLElement {
  const select = h(
    'select',
    { 'data-field': 'target', 'aria-label': '编辑方式', disabled: v.busy },
    h('option', { value: 'direct' }, '直接编辑（立即发布）'),
    ...v.drafts.map((d) =>
      h('option', { value: String(d.id), selected: v.draft?.id === d.id }, `草稿「${d.name}」（${d.steps} 步）`),
    ),
  );
  select.addEventListener('change', () => a.setTarget(select.value === 'direct' ? null : Number(select.value)));
  const name = h('input', { type: 'text', 'data-field': 'draft-name', placeholder: '新草稿名称', maxlength: '100' });
  return h(
    'section',
    { class: 'edit-target' },
    h('label', { class: 'section-title' }, '编辑方式'),
    select,
    h(
      'div',
      { class: 'row' },
      name,
      button('新建草稿', () => name.value.trim() && a.newDraft(name.value.trim()), {
        'data-action': 'new-draft',
        disabled: v.busy,
      }),
    ),
  );
}

function draftSection(v: PanelView, d: Draft, a: PanelActions): HTMLElement {
  return h(
    'section',
    { class: 'edit-draft', 'data-id': String(d.id), 'data-version': String(d.version) },
    h('div', { class: 'section-title' }, `草稿「${d.name}」 · ${d.step_list.length} 步`),
    d.step_list.length
      ? h('ol', { class: 'edit-steps' }, ...d.step_list.map((s) => h('li', { 'data-op': s.op }, stepText(s))))
      : h('p', { class: 'muted' }, '尚无编辑步骤：选择网格开始编辑（草稿发布前对他人不可见）。'),
    h(
      'div',
      { class: 'row buttons' },
      button('撤销', a.undo, { 'data-action': 'undo', disabled: v.busy || !d.step_list.length }),
      button('影响分析', a.whatIf, { 'data-action': 'what-if', disabled: v.busy || !d.step_list.length }),
      button('发布', a.publish, {
        'data-action': 'publish',
        class: 'small primary',
        disabled: v.busy || !d.step_list.length,
      }),
      button(v.confirmDiscard ? '确认放弃？' : '放弃', a.discard, {
        'data-action': 'discard',
        class: 'small danger',
        disabled: v.busy,
      }),
    ),
    v.whatIf && whatIfBlock(v.whatIf),
  );
}

function communitySelect(v: PanelView, except: string | null, selected: string | null): HTMLSelectElement {
  return h(
    'select',
    { 'data-field': 'community', 'aria-label': '社区' },
    ...v.communities
      .filter((c) => c.code !== except)
      .map((c) => h('option', { value: c.code, selected: c.code === selected }, `${c.name}（${c.code}）`)),
  );
}

function toolBlock(v: PanelView, g: EditGrid, a: PanelActions): HTMLElement | null {
  const hint = v.tool && TOOL_HINTS[v.tool] ? h('p', { class: 'edit-hint' }, TOOL_HINTS[v.tool]!) : null;
  const cancel = button('取消', () => a.tool(null), { 'data-action': 'cancel' });
  switch (v.tool) {
    case 'split':
      return h('div', { class: 'edit-tool', 'data-tool': 'split' }, hint, cancel);
    case 'merge':
    case 'retire':
      return h(
        'div',
        { class: 'edit-tool', 'data-tool': v.tool },
        hint,
        h('p', { class: 'mono', 'data-field': 'picked' }, v.picked.join('、') || '（尚未选择）'),
        h(
          'div',
          { class: 'row buttons' },
          v.tool === 'merge'
            ? button('确认合并', a.confirmMerge, { 'data-action': 'confirm', disabled: v.busy || !v.picked.length })
            : button('确认退役', a.confirmRetire, { 'data-action': 'confirm', disabled: v.busy || !v.picked.length }),
          cancel,
        ),
      );
    case 'rename': {
      const input = h('input', { type: 'text', 'data-field': 'new-name', value: g.name, maxlength: '100' });
      return h(
        'div',
        { class: 'edit-tool', 'data-tool': 'rename' },
        input,
        h(
          'div',
          { class: 'row buttons' },
          button('保存', () => a.rename(input.value.trim()), { 'data-action': 'confirm', disabled: v.busy }),
          cancel,
        ),
      );
    }
    case 'move': {
      const select = communitySelect(v, g.community_code, null);
      return h(
        'div',
        { class: 'edit-tool', 'data-tool': 'move' },
        select,
        h(
          'div',
          { class: 'row buttons' },
          button('移至此社区', () => a.move(select.value), { 'data-action': 'confirm', disabled: v.busy }),
          cancel,
        ),
      );
    }
    case 'history':
      return h(
        'div',
        { class: 'edit-tool', 'data-tool': 'history' },
        v.history ? historyBlock(v.history) : h('p', { class: 'muted' }, '正在加载…'),
        cancel,
      );
    default:
      return null;
  }
}

function gridSection(v: PanelView, g: EditGrid, a: PanelActions): HTMLElement {
  return h(
    'section',
    { class: 'edit-grid', 'data-code': g.code },
    h(
      'dl',
      {},
      h('dt', {}, '编码'),
      h('dd', { class: 'mono', 'data-field': 'code' }, g.code),
      h('dt', {}, '名称'),
      h('dd', { 'data-field': 'name' }, g.name),
      h('dt', {}, '社区'),
      h('dd', { class: 'mono' }, g.community_code),
      g.area_m2 !== undefined && h('dt', {}, '面积'),
      g.area_m2 !== undefined && h('dd', {}, formatArea(g.area_m2)),
    ),
    g.inDraft && h('p', { class: 'muted' }, '草稿中的网格（发布前仅在草稿中可见）'),
    !v.tool &&
      h('p', { class: 'edit-hint' }, '拖动顶点调整边界（相邻网格随之调整）；单击边中点添加顶点；单击顶点可删除。'),
    h(
      'div',
      { class: 'row buttons tools' },
      ...TOOL_BUTTONS.map(([t, label]) =>
        button(label, () => a.tool(v.tool === t ? null : t), {
          'data-tool': t,
          class: v.tool === t ? 'small on' : 'small',
          disabled: v.busy || (t === 'history' && g.inDraft && g.version === undefined),
        }),
      ),
    ),
    toolBlock(v, g, a),
  );
}

function createBlock(v: PanelView, a: PanelActions): HTMLElement {
  if (v.tool === 'create' && v.created) {
    const name = h('input', { type: 'text', 'data-field': 'create-name', placeholder: '网格名称', maxlength: '100' });
    const select = communitySelect(v, null, v.grid?.community_code ?? null);
    return h(
      'section',
      { class: 'edit-create', 'data-tool': 'create' },
      h('div', { class: 'section-title' }, '新建网格'),
      name,
      select,
      h(
        'div',
        { class: 'row buttons' },
        button('保存', () => name.value.trim() && a.create(name.value.trim(), select.value), {
          'data-action': 'confirm',
          disabled: v.busy,
        }),
        button('取消', () => a.tool(null), { 'data-action': 'cancel' }),
      ),
    );
  }
  return h(
    'section',
    { class: 'edit-create' },
    v.tool === 'create'
      ? h(
          'div',
          {},
          h('p', { class: 'edit-hint' }, TOOL_HINTS.create!),
          button('取消', () => a.tool(null), { 'data-action': 'cancel' }),
        )
      : button('在空白处新建', () => a.tool('create'), { 'data-action': 'create', disabled: v.busy }),
  );
}

function problemsSection(v: PanelView, a: PanelActions): HTMLElement | null {
  if (!v.problems.length && !v.warnings.length) return null;
  const item = (p: EditProblem, i: number, kind: 'problem' | 'warning') =>
    h(
      'li',
      { 'data-code': p.code, class: kind, onclick: kind === 'problem' && p.location ? () => a.focusProblem(i) : null },
      h('span', { class: 'mono' }, p.code),
      ' ',
      p.problem,
    );
  return h(
    'section',
    { class: 'edit-problems', role: 'alert' },
    v.problems.length > 0 &&
      h('div', { class: 'section-title' }, `未通过检查（${v.problems.length} 个问题，未作任何修改）`),
    v.problems.length > 0 && h('ol', { class: 'problems' }, ...v.problems.map((p, i) => item(p, i, 'problem'))),
    v.warnings.length > 0 && h('div', { class: 'section-title' }, '提示'),
    v.warnings.length > 0 && h('ul', { class: 'warnings' }, ...v.warnings.map((p, i) => item(p, i, 'warning'))),
  );
}

/** Rebuilds the panel's body (the responsibility section, built elsewhere, is kept at the end). */
export function renderPanel(body: HTMLElement, v: PanelView, a: PanelActions): void {
  body.replaceChildren(
    targetSection(v, a),
    ...(v.draft ? [draftSection(v, v.draft, a)] : []),
    ...(v.published ? [publishedBlock(v.published)] : []),
    v.grid ? gridSection(v, v.grid, a) : h('p', { class: 'muted edit-empty' }, '单击地图上的网格进行编辑。'),
    createBlock(v, a),
    ...[problemsSection(v, a)].filter((x): x is HTMLElement => !!x),
    h(
      'p',
      { class: `edit-message ${v.message?.kind ?? ''}`, 'data-field': 'message', hidden: !v.message },
      v.message?.text ?? '',
    ),
  );
}
