/**
 * Responsibility polygons in the editing mode (责任区):
 * - 绘制责任区: draw a polygon for a rule or an area class (区域类别) — an existing one gets it as its area
 *   (PATCH …{area:{kind:'polygon'}}, If-Match its version), or a new area-class zone is created with it;
 * - 监督员责任区: build a collector area by clicking grids (a new one, or an existing one whose grids are preloaded),
 *   then save its `grid_codes`.
 * Shown to the roles the server lets write these (the routes' `x-roles`); refusals show the server's detail.
 */
import type { Geometry, Polygon } from 'geojson';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Me } from '../api.js';
import { h } from '../dom.js';
import { errorText } from '../http.js';
import { showPicked } from '../layers/edit.js';
import * as api from './api.js';
import type { Drawer } from './draw.js';

export interface ResponsibilityHandle {
  /** Whether map clicks pick grids for a collector area now. */
  takesClicks(): boolean;
  /** Adds or removes a grid of the collector area being built. */
  pickGrid(code: string): Promise<void>;
  /** Ends whatever is going on. */
  stop(): void;
}

export interface ResponsibilityOptions {
  map: MaplibreMap;
  me: Me;
  roles: Map<string, string[]>;
  slot: HTMLElement;
  drawer: Drawer;
  /** A grid's geometry (the open draft's version first). */
  loadGrid(code: string): Promise<{ geometry: Geometry } | null>;
  /** Called when a tool starts (the grid tools stop) and when it ends. */
  onStart(): void;
  onEnd(): void;
}

type Mode = 'idle' | 'draw' | 'collector';

export function startResponsibility(o: ResponsibilityOptions): ResponsibilityHandle {
  const may = (route: string) => !!o.roles.get(route)?.includes(o.me.role);
  const canDraw = may('patch /api/rules/{id}') || may('post /api/area-classes');
  const canCollect = may('post /api/collector-areas');
  let mode: Mode = 'idle';
  let rules: api.Rule[] = [];
  let zones: api.AreaClassZone[] = [];
  let areas: api.CollectorArea[] = [];
  let area: api.CollectorArea | null = null;
  const picked = new Map<string, Geometry | null>();
  let message: { text: string; kind: 'info' | 'error' } | null = null;
  /** What the user typed or chose: kept across re-renders. */
  const form = { target: 'new', zoneName: '', zoneClass: 'A' as 'A' | 'B' | 'C', areaName: '' };
  /** An input or select that keeps its value in `form`. */
  const bind = <E extends HTMLInputElement | HTMLSelectElement>(el: E, key: 'target' | 'zoneName' | 'areaName') => {
    el.value = form[key];
    el.addEventListener('input', () => (form[key] = el.value));
    el.addEventListener('change', () => (form[key] = el.value));
    return el;
  };

  /** Loads a picked grid's geometry (drawn once known). */
  const place = async (code: string) => {
    const g = await o.loadGrid(code).catch(() => null);
    if (picked.has(code)) picked.set(code, g?.geometry ?? null);
  };
  const drawPicked = () =>
    showPicked(
      o.map,
      [...picked].flatMap(([code, geometry]) => (geometry ? [{ code, geometry }] : [])),
    );

  function end(text?: string, kind: 'info' | 'error' = 'info') {
    if (text !== undefined) message = { text, kind };
    if (text && kind === 'info') Object.assign(form, { target: 'new', zoneName: '', areaName: '' }); // saved
    const was = mode;
    mode = 'idle';
    picked.clear();
    area = null;
    if (was === 'draw') o.drawer.stop();
    if (was === 'collector') showPicked(o.map, []);
    render();
    if (was !== 'idle') o.onEnd();
  }

  async function save(target: string, polygon: Polygon, zoneName: string, zoneClass: 'A' | 'B' | 'C') {
    try {
      const [kind, id] = target.split(':');
      if (kind === 'rule') {
        const r = rules.find((x) => x.id === Number(id))!;
        await api.setRuleArea(r, polygon);
        end(`规则「${r.name ?? r.id}」的责任区已保存。`);
      } else if (kind === 'zone') {
        const z = zones.find((x) => x.id === Number(id))!;
        await api.setAreaClassArea(z, polygon);
        end(`区域类别「${z.name}」的范围已保存。`);
      } else {
        const z = await api.createAreaClass(zoneName, zoneClass, polygon);
        end(`已新建区域类别「${z.name}」（${z.class} 类）。`);
      }
    } catch (e) {
      end(`保存失败：${errorText(e)}`, 'error');
    }
  }

  async function startDraw() {
    o.onStart();
    try {
      [rules, zones] = await Promise.all([api.listRules(), api.listAreaClasses()]);
    } catch (e) {
      message = { text: errorText(e), kind: 'error' };
    }
    mode = 'draw';
    message = null;
    render();
  }

  async function startCollector() {
    o.onStart();
    try {
      areas = await api.listCollectorAreas();
    } catch (e) {
      message = { text: errorText(e), kind: 'error' };
    }
    mode = 'collector';
    message = null;
    picked.clear();
    render();
  }

  function drawSection(): HTMLElement {
    const target = h(
      'select',
      { 'data-field': 'resp-target', 'aria-label': '责任区' },
      h('option', { value: 'new' }, '新建区域类别'),
      ...zones.map((z) => h('option', { value: `zone:${z.id}` }, `区域类别「${z.name}」（${z.class} 类）`)),
      ...(may('patch /api/rules/{id}') ? rules : []).map((r) =>
        h('option', { value: `rule:${r.id}` }, `规则「${r.name || r.id}」${r.category} → ${r.department_code}`),
      ),
    );
    bind(target, 'target');
    const name = bind(
      h('input', { type: 'text', 'data-field': 'zone-name', placeholder: '区域类别名称', maxlength: '100' }),
      'zoneName',
    );
    const cls = h(
      'select',
      { 'data-field': 'zone-class', 'aria-label': '类别' },
      ...(['A', 'B', 'C'] as const).map((c) => h('option', { value: c, selected: form.zoneClass === c }, `${c} 类`)),
    );
    cls.addEventListener('change', () => (form.zoneClass = cls.value as 'A' | 'B' | 'C'));
    const newFields = h('div', { class: 'row', hidden: form.target !== 'new' }, name, cls);
    target.addEventListener('change', () => (newFields.hidden = target.value !== 'new'));
    const drawButton = h('button', { type: 'button', class: 'small primary', 'data-action': 'draw' }, '绘制');
    drawButton.addEventListener('click', () => {
      if (target.value === 'new' && !name.value.trim()) {
        message = { text: '请填写区域类别名称。', kind: 'error' };
        return render();
      }
      const chosen = target.value;
      const zoneName = name.value.trim();
      const zoneClass = cls.value as 'A' | 'B' | 'C';
      message = { text: '在地图上单击各个角点，单击起点或按回车闭合。', kind: 'info' };
      drawButton.disabled = true;
      renderMessage();
      o.drawer.drawPolygon((polygon) => void save(chosen, polygon, zoneName, zoneClass));
    });
    return h(
      'div',
      { class: 'edit-tool', 'data-tool': 'resp-draw' },
      target,
      newFields,
      h(
        'div',
        { class: 'row buttons' },
        drawButton,
        h('button', { type: 'button', class: 'small', onclick: () => end() }, '取消'),
      ),
    );
  }

  function collectorSection(): HTMLElement {
    const select = h(
      'select',
      { 'data-field': 'collector-area', 'aria-label': '监督员责任区' },
      h('option', { value: '' }, '新建监督员责任区'),
      ...areas.map((a) =>
        h(
          'option',
          { value: String(a.id), selected: area?.id === a.id },
          `「${a.name}」（${a.grid_codes.length} 个网格）`,
        ),
      ),
    );
    select.addEventListener('change', () => {
      area = areas.find((a) => String(a.id) === select.value) ?? null;
      picked.clear();
      for (const c of area?.grid_codes ?? []) picked.set(c, null);
      render();
      void Promise.all([...picked.keys()].map((c) => place(c))).then(render);
    });
    const name = bind(
      h('input', {
        type: 'text',
        'data-field': 'area-name',
        placeholder: '责任区名称',
        maxlength: '100',
        hidden: !!area,
      }),
      'areaName',
    );
    const saveButton = h('button', { type: 'button', class: 'small primary', 'data-action': 'save-area' }, '保存');
    saveButton.addEventListener('click', async () => {
      const codes = [...picked.keys()].sort();
      if (!codes.length || (!area && !name.value.trim())) {
        message = { text: '请填写名称并单击选择网格。', kind: 'error' };
        return render();
      }
      try {
        const saved = area
          ? await api.setCollectorAreaGrids(area, codes)
          : await api.createCollectorArea(name.value.trim(), codes);
        end(`监督员责任区「${saved.name}」已保存（${saved.grid_codes.length} 个网格）。`);
      } catch (e) {
        message = { text: `保存失败：${errorText(e)}`, kind: 'error' };
        render();
      }
    });
    return h(
      'div',
      { class: 'edit-tool', 'data-tool': 'resp-collector' },
      select,
      name,
      h('p', { class: 'edit-hint' }, '单击网格加入责任区，再单击可移出。'),
      h('p', { class: 'mono', 'data-field': 'area-grids' }, [...picked.keys()].sort().join('、') || '（尚未选择）'),
      h(
        'div',
        { class: 'row buttons' },
        saveButton,
        h('button', { type: 'button', class: 'small', onclick: () => end() }, '取消'),
      ),
    );
  }

  const messageEl = h('p', { class: 'edit-message', 'data-field': 'resp-message', hidden: true });
  function renderMessage() {
    messageEl.textContent = message?.text ?? '';
    messageEl.className = `edit-message ${message?.kind ?? ''}`;
    messageEl.hidden = !message;
  }

  function render() {
    if (!canDraw && !canCollect) return o.slot.replaceChildren();
    const buttons = h(
      'div',
      { class: 'row buttons' },
      canDraw &&
        h(
          'button',
          {
            type: 'button',
            class: mode === 'draw' ? 'small on' : 'small',
            'data-action': 'resp-draw',
            onclick: () => void (mode === 'draw' ? end() : startDraw()),
          },
          '绘制责任区',
        ),
      canCollect &&
        h(
          'button',
          {
            type: 'button',
            class: mode === 'collector' ? 'small on' : 'small',
            'data-action': 'resp-collector',
            onclick: () => void (mode === 'collector' ? end() : startCollector()),
          },
          '监督员责任区',
        ),
    );
    o.slot.replaceChildren(
      h(
        'section',
        { class: 'edit-resp' },
        h('div', { class: 'section-title' }, '责任区'),
        buttons,
        mode === 'draw' ? drawSection() : mode === 'collector' ? collectorSection() : null,
        messageEl,
      ),
    );
    renderMessage();
    if (mode === 'collector') drawPicked();
  }

  render();
  return {
    takesClicks: () => mode === 'collector',
    async pickGrid(code) {
      if (picked.has(code)) picked.delete(code);
      else {
        picked.set(code, null);
        await place(code);
      }
      render();
    },
    stop: () => end(),
  };
}
