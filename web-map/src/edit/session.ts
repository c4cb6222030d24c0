/**
 * The editing mode's session (a chunk of its own: terra-draw comes with it): the 编辑 control, the panel, the
 * state, the map clicks and every edit request. See index.ts for what the mode does.
 */
import type { Geometry, Polygon, Position } from 'geojson';
import { Popup, type Map as MaplibreMap, type MapMouseEvent } from 'maplibre-gl';
import { fetchGrid, type Me } from '../api.js';
import { h } from '../dom.js';
import { ApiError, errorText } from '../http.js';
import { GRID_FILL } from '../layers/grids.js';
import {
  draftGridAt,
  reloadBoundaryTiles,
  showDraftFeatures,
  showPicked,
  showProblems,
  showTarget,
} from '../layers/edit.js';
import * as api from './api.js';
import { createDrawer, type VertexEdit } from './draw.js';
import { draftActions } from './drafts.js';
import { summaryText } from './labels.js';
import { buildPanel, emptyView, renderPanel, type EditGrid, type GridTool } from './panel.js';
import { startResponsibility, type ResponsibilityHandle } from './responsibility.js';

import type { EditHandle } from './index.js';

/** Screen pixels within which a click hits a vertex or a midpoint handle. */
const NEAR_PX = 9;

export function startEditing(
  map: MaplibreMap,
  me: Me,
  roles: Map<string, string[]>,
  hooks: { setOn(v: boolean): void; setClick(fn: (e: MapMouseEvent) => void): void },
): EditHandle {
  const drawer = createDrawer(map);
  const v = emptyView(me.name);
  let active = false;
  let gridGeometry: Geometry | null = null;
  const pickedGeometry = new Map<string, Geometry>();
  let pending = Promise.resolve();
  let popup: Popup | null = null;
  let responsibility: ResponsibilityHandle | null = null;

  // --- the control and the panel
  const { toggleButton, control, panel, body, respSlot } = buildPanel(me.name, () => void toggle(false));
  map.addControl({ onAdd: () => control, onRemove: () => control.remove() }, 'top-right');
  document.body.append(panel);

  const draftFeature = (code: string) =>
    v.draft?.features.features.find((f) => f.properties.level === 'grid' && f.properties.code === code);
  const target = (): api.Target =>
    v.draft
      ? { kind: 'draft', id: v.draft.id, version: v.draft.version }
      : { kind: 'direct', version: v.grid?.version };
  const say = (text: string, kind: 'info' | 'error' = 'info') => (v.message = text ? { text, kind } : null);

  function render() {
    renderPanel(body, v, actions);
    showProblems(map, v.problems);
    if (!responsibility?.takesClicks())
      showPicked(
        map,
        v.picked.flatMap((code) => (pickedGeometry.get(code) ? [{ code, geometry: pickedGeometry.get(code)! }] : [])),
      );
    showTarget(map, v.grid && drawer.tool() !== 'vertices' ? gridGeometry : null);
    showDraftFeatures(map, v.draft?.features ?? null);
  }

  /** Runs one request at a time with the panel busy; errors become the message. */
  function busy<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const run = pending.then(async () => {
      v.busy = true;
      render();
      try {
        return await fn();
      } catch (e) {
        say(errorText(e), 'error');
        return undefined;
      } finally {
        v.busy = false;
        render();
      }
    });
    pending = run.then(() => undefined);
    return run;
  }

  async function loadDrafts() {
    v.drafts = await api.listDrafts();
  }

  async function reloadDraft() {
    if (!v.draft) return;
    v.draft = await api.getDraft(v.draft.id);
    v.drafts = v.drafts.map((d) => (d.id === v.draft!.id ? { ...d, steps: v.draft!.step_list.length } : d));
  }

  /** The grid as the open draft has it, else as the server has it now (null when it no longer exists). */
  async function loadGrid(code: string): Promise<{ grid: EditGrid; geometry: Geometry } | null> {
    const f = draftFeature(code);
    if (f) {
      if (!f.geometry) return null;
      return {
        grid: { code, name: f.properties.name, community_code: code.slice(0, 12), inDraft: true },
        geometry: f.geometry,
      };
    }
    try {
      const g = await fetchGrid(code);
      const p = g.properties;
      return {
        grid: {
          code,
          name: p.name,
          community_code: p.community_code,
          area_m2: p.area_m2,
          version: p.version,
          inDraft: false,
        },
        geometry: g.geometry,
      };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  function editVertices() {
    if (!gridGeometry || (gridGeometry.type !== 'Polygon' && gridGeometry.type !== 'MultiPolygon')) return;
    drawer.editVertices(gridGeometry, (e) => void reshape(e));
  }

  async function selectGrid(code: string | null): Promise<boolean> {
    popup?.remove();
    v.tool = null;
    v.picked = [];
    v.history = null;
    v.created = null;
    drawer.stop();
    if (!code) {
      v.grid = null;
      gridGeometry = null;
      render();
      return false;
    }
    const found = await loadGrid(code);
    v.grid = found?.grid ?? null;
    gridGeometry = found?.geometry ?? null;
    if (!found) say(`网格 ${code} 已不存在`, 'error');
    editVertices();
    render();
    return !!found;
  }

  /** The grid under a screen point: the draft's own grids first, then the tiles (but not what the draft changed). */
  function gridAt(point: { x: number; y: number }): string | null {
    // The overlay as last drawn may lag behind the draft (an undo just now): only the draft's live grids count.
    const drafted = draftGridAt(map, point);
    if (drafted && draftFeature(drafted)?.geometry) return drafted;
    if (!map.getLayer(GRID_FILL)) return null;
    const hits = map.queryRenderedFeatures([point.x, point.y], { layers: [GRID_FILL] });
    const code = hits.map((f) => f.properties?.code as string | undefined).find((c) => c && !draftFeature(c));
    return code ?? null;
  }

  /** Runs an edit; on success re-reads what changed and selects `next` (a code, or null to clear). */
  async function edit(
    label: string,
    fn: (t: api.Target) => Promise<api.EditResult>,
    next: (r: api.EditResult) => string | null,
  ): Promise<void> {
    await busy(async () => {
      v.problems = [];
      v.warnings = [];
      v.published = null;
      v.whatIf = null;
      try {
        const r = await fn(target());
        v.warnings = r.warnings ?? [];
        const text = summaryText(r.summary);
        if (v.draft) {
          await reloadDraft();
          say(`已加入草稿：${text}`);
        } else {
          const n = r.reassigned?.changed ?? 0;
          say(`已发布：${text}${r.reassigned ? `；重新分派案件 ${n} 件` : ''}`);
          await reloadBoundaryTiles(map);
        }
        await selectGrid(next(r));
      } catch (e) {
        const problems = api.problemsOf(e);
        if (problems.length) {
          v.problems = problems;
          say(`${label}未通过检查，未作任何修改。`, 'error');
        } else if (e instanceof ApiError && e.status === 412) {
          say(`数据已被他人修改，已重新加载，请重试。`, 'error');
          // Someone else published since: the tiles show the old boundaries until they are re-read too.
          if (v.draft) await reloadDraft();
          else await reloadBoundaryTiles(map);
        } else say(`${label}失败：${errorText(e)}`, 'error');
        // Back to what the server has (the vertex editor may show a refused drag).
        if (v.grid) await selectGrid(v.grid.code);
        if (v.problems.length) render();
      }
    });
  }

  const reshape = (e: VertexEdit) =>
    edit(
      e.action === 'move' ? '移动顶点' : '添加顶点',
      (t) => api.editGrid(v.grid!.code, { op: 'reshape', ...e }, t),
      () => v.grid!.code,
    );

  function vertexMenu(at: Position) {
    popup?.remove();
    const del = h('button', { type: 'button', class: 'small danger', 'data-action': 'delete-vertex' }, '删除顶点');
    popup = new Popup({ closeButton: true, className: 'edit-vertex-menu', offset: 10 })
      .setLngLat(at as [number, number])
      .setDOMContent(h('div', {}, h('div', { class: 'muted mono' }, `${at[0].toFixed(7)}, ${at[1].toFixed(7)}`), del))
      .addTo(map);
    del.addEventListener('click', () => {
      popup?.remove();
      void edit(
        '删除顶点',
        (t) => api.editGrid(v.grid!.code, { op: 'reshape', action: 'delete', at }, t),
        () => v.grid!.code,
      );
    });
  }

  async function pick(code: string) {
    if (!v.grid || code === v.grid.code) return;
    const i = v.picked.indexOf(code);
    if (v.tool === 'retire') v.picked = i >= 0 ? [] : [code];
    else if (i >= 0) v.picked.splice(i, 1);
    else v.picked.push(code);
    if (!pickedGeometry.has(code)) {
      const g = await loadGrid(code).catch(() => null);
      if (g) pickedGeometry.set(code, g.geometry);
    }
    render();
  }

  hooks.setClick((e) => {
    const tool = drawer.tool();
    if (tool === 'line' || tool === 'polygon') return; // terra-draw takes the clicks
    if (responsibility?.takesClicks()) {
      const code = gridAt(e.point);
      if (code) void responsibility.pickGrid(code);
      return;
    }
    if (v.tool === 'merge' || v.tool === 'retire') {
      const code = gridAt(e.point);
      if (code) void pick(code);
      return;
    }
    if (tool === 'vertices') {
      const near = drawer.handleAt(e.point, NEAR_PX);
      if (near.vertex) return vertexMenu(near.vertex);
      if (near.midpoint) return; // terra-draw inserts the vertex
      drawer.click(e.lngLat);
    }
    const code = gridAt(e.point);
    if (code !== (v.grid?.code ?? null)) void busy(() => selectGrid(code));
  });

  const actions = {
    close: () => void toggle(false),
    ...draftActions({ v, map, busy, say, render, selectGrid, loadDrafts, reloadDraft }),
    tool: (t: GridTool | null) => {
      popup?.remove();
      v.tool = t;
      v.picked = [];
      v.created = null;
      v.problems = [];
      drawer.stop();
      if (t === 'split')
        drawer.drawLine(
          (line) =>
            void edit(
              '拆分',
              (tg) => api.editGrid(v.grid!.code, { op: 'split', line }, tg),
              () => null,
            ),
        );
      else if (t === 'create')
        drawer.drawPolygon((polygon: Polygon) => {
          v.created = polygon;
          render();
        });
      else if (t === 'history' && v.grid)
        void busy(async () => {
          v.history = await api.gridHistory(v.grid!.code);
        });
      else if (t === null) editVertices();
      render();
    },
    confirmMerge: () =>
      void edit(
        '合并',
        (t) => api.editGrid(v.grid!.code, { op: 'merge', with: [...v.picked] }, t),
        (r) => String(r.summary.into ?? v.grid!.code),
      ),
    confirmRetire: () =>
      void edit(
        '退役',
        (t) => api.editGrid(v.grid!.code, { op: 'retire', to: v.picked[0] }, t),
        (r) => String(r.summary.to),
      ),
    rename: (name: string) =>
      void edit(
        '改名',
        (t) => api.editGrid(v.grid!.code, { op: 'rename', name }, t),
        () => v.grid!.code,
      ),
    move: (community: string) =>
      void edit(
        '移至社区',
        (t) => api.editGrid(v.grid!.code, { op: 'move', community_code: community }, t),
        (r) => String(r.summary.to),
      ),
    create: (name: string, community: string) =>
      void edit(
        '新建网格',
        (t) => api.createGrid({ community_code: community, name, geometry: v.created! }, t),
        (r) => String(r.summary.code),
      ),
    focusProblem: (i: number) => {
      const at = v.problems[i]?.location;
      if (at) map.flyTo({ center: at as [number, number], zoom: Math.max(map.getZoom(), 17), duration: 500 });
    },
  };

  async function toggle(want = !active) {
    if (want === active) return;
    active = want;
    hooks.setOn(want);
    toggleButton.setAttribute('aria-pressed', String(want));
    toggleButton.classList.toggle('on', want);
    panel.hidden = !want;
    document.body.classList.toggle('editing', want);
    if (!want) {
      popup?.remove();
      drawer.stop();
      responsibility?.stop();
      v.grid = null;
      gridGeometry = null;
      v.draft = null;
      v.problems = [];
      v.picked = [];
      v.tool = null;
      render();
      return;
    }
    await busy(async () => {
      const [communities] = await Promise.all([api.listCommunities(), loadDrafts()]);
      v.communities = communities;
      say('单击网格开始编辑；选择“直接编辑”或草稿。');
    });
  }
  toggleButton.addEventListener('click', () => void toggle());

  responsibility = startResponsibility({
    map,
    me,
    roles,
    slot: respSlot,
    drawer,
    loadGrid,
    onStart: () => {
      popup?.remove();
      v.tool = null;
      drawer.stop();
      render();
    },
    onEnd: () => {
      if (active && v.grid && !drawer.tool()) editVertices();
      render();
    },
  });

  render();
  return {
    active: () => active,
    toggle,
    select: async (code) => (await busy(() => selectGrid(code))) ?? false,
    view: () => v,
    idle: () => pending,
  };
}
