/**
 * The dispatcher panel (案件调度): a queue of new cases, cases waiting to be placed (待定位: their address did not
 * resolve to one place) and overdue cases, refreshed every 15 s and after each action, and the detail of the case
 * picked from the queue or on the map (the map flies to it and highlights its grid). From the detail a dispatcher
 * places a 待定位 case (a geocoding candidate, or 在地图上定位: the next map click) and links a nearby component (关联).
 *
 * Shown to signed-in users only; users whose role cannot act (viewer, gis_editor) see it without action buttons.
 * Who may place cases and link components is read from the server's OpenAPI document (`x-roles`).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import {
  fetchMe,
  fetchRouteRoles,
  getCase,
  linkCaseComponent,
  listCases,
  listDepartments,
  placeCase,
  postAction,
  type Case,
  type Department,
  type Me,
} from '../api.js';
import { h } from '../dom.js';
import { errorText } from '../http.js';
import { markCase, onCaseClick, reloadCaseTiles, syncCaseTiles } from '../layers/cases.js';
import type { Picker } from '../pick.js';
import { renderDetail } from './detail.js';
import { pendingStates, ROLE_LABELS } from './labels.js';
import { createQueue, type Tab } from './queue.js';
import { loadWorkflow } from './workflow.js';

export const REFRESH_MS = 15_000;
const LIMIT = 100;

export interface DispatchOptions {
  map: MaplibreMap;
  /** Whether the style has the `cases` layer (clicks on case points open them). */
  casesLayer: boolean;
  /** Highlights a unit grid (the map's own selection) without moving the map. */
  selectGrid: (code: string) => Promise<boolean>;
  clearGrid: () => void;
  /** Opens the component panel (部件信息). */
  selectComponent: (code: string) => Promise<boolean>;
  /** The map's point-picking mode (在地图上定位). */
  picker: Picker;
}

/** For tests and the console: `window.__wangge.dispatch`. */
export interface DispatchHandle {
  me: Me;
  canAct: boolean;
  /** The user may place cases (待定位) and link components (关联), as the server's policy says. */
  canPlace: boolean;
  canLink: boolean;
  /** Reloads both queues (and the cases tiles when they changed). */
  refresh: () => Promise<void>;
  /** Opens a case in the detail and flies to it. */
  open: (id: string) => Promise<void>;
  /** The case shown in the detail, if any. */
  current: () => Case | null;
  /** How many refreshes have completed. */
  refreshes: () => number;
}

/** Room the map keeps free for the panels when it flies to a case: sidebar on the left, this panel on the right. */
function offset(): [number, number] {
  if (window.innerWidth <= 760) return [0, -window.innerHeight / 4];
  return [(340 - 460) / 2, 0];
}

export async function startDispatch(opts: DispatchOptions): Promise<DispatchHandle | null> {
  const me = await fetchMe().catch(() => null);
  if (!me) return null;
  const workflow = await loadWorkflow();
  const { map } = opts;
  const canAct = workflow.acts(me.role);
  // Who may place and link, from the routes' x-roles; an older server without the location route places nothing.
  const roles = await fetchRouteRoles().catch(() => null);
  const may = (route: string) => canAct && (roles ? !!roles.get(route)?.includes(me.role) : true);
  const canPlace = may('post /api/cases/{id}/location');
  const canLink = may('post /api/cases/{id}/component');
  const lists: Record<Tab, { items: Case[]; more: boolean }> = {
    pending: { items: [], more: false },
    locate: { items: [], more: false },
    overdue: { items: [], more: false },
  };
  /** Ends 在地图上定位 when the case it places is closed or replaced. */
  let endPick: (() => void) | null = null;
  let tab: Tab = 'pending';
  let current: Case | null = null;
  let signature: string | null = null;
  let refreshes = 0;
  let departments: Promise<Department[]> | null = null;

  const queue = createQueue(
    (t) => {
      tab = t;
      draw();
    },
    (id) => void open(id),
  );
  const detail = h('div', { class: 'detail-slot', hidden: true });
  const panel = h(
    'aside',
    { id: 'dispatch', class: 'card', 'aria-labelledby': 'dispatch-title', 'data-role': me.role },
    h(
      'header',
      {},
      h('h2', { id: 'dispatch-title' }, '案件调度'),
      h('span', { class: 'muted user' }, `${me.name} · ${ROLE_LABELS[me.role] ?? me.role}${canAct ? '' : '（只读）'}`),
    ),
    queue.el,
    detail,
  );
  document.body.append(panel);
  document.body.classList.add('with-dispatch');

  function draw() {
    const l = lists[tab];
    queue.render(l.items, current ? String(current.id) : null, l.more);
  }

  /** `tilesFresh`: the caller has just reloaded the cases tiles itself. */
  async function refresh(tilesFresh = false): Promise<void> {
    try {
      const [pending, locate, overdue] = await Promise.all([
        // A department handler's queue is its own department's cases.
        listCases({
          state: pendingStates(me!.role),
          limit: LIMIT,
          ...(me!.role === 'department_handler' && me!.departmentCode ? { department: me!.departmentCode } : {}),
        }),
        listCases({ needsLocation: true, limit: LIMIT }),
        listCases({ overdue: true, limit: LIMIT }),
      ]);
      lists.pending = { items: pending.items, more: !!pending.next };
      lists.locate = { items: locate.items, more: !!locate.next };
      lists.overdue = { items: overdue.items, more: !!overdue.next };
      const count = (l: { items: Case[]; more: boolean }) => (l.more ? `${l.items.length}+` : String(l.items.length));
      queue.setCounts({ pending: count(lists.pending), locate: count(lists.locate), overdue: count(lists.overdue) });
      queue.setMessage('');
      draw();
      // New or changed cases in the queues: fresh tiles of the cases layer at once; else only if its version moved.
      const sig = [...pending.items, ...locate.items, ...overdue.items]
        .map((c) => `${c.id}:${c.state}:${c.overdue}:${c.needs_location ?? false}`)
        .join(',');
      if (!tilesFresh) {
        if (signature !== null && sig !== signature) reloadCaseTiles(map);
        else if (signature !== null) void syncCaseTiles(map);
      }
      signature = sig;
    } catch (e) {
      queue.setMessage(`案件列表加载失败：${errorText(e)}`, 'error');
    } finally {
      refreshes++;
      panel.dataset.loaded = 'true';
    }
  }

  /** Shows the case the server answered a change with, and moves the queues and the map's tiles on. */
  async function changed(updated: Case) {
    show(updated.events ? updated : await getCase(updated.id));
    reloadCaseTiles(map);
    await refresh(true);
  }

  function show(c: Case) {
    endPick?.();
    current = c;
    detail.replaceChildren(
      renderDetail(c, {
        canAct,
        workflow,
        departments: () =>
          (departments ??= listDepartments().catch((e: unknown) => {
            departments = null;
            throw e;
          })),
        act: async (body) => changed(await postAction(c, body)),
        canLink,
        link: async (code) => changed(await linkCaseComponent(c, code)),
        showComponent: (code) => void opts.selectComponent(code),
        canPlace,
        place: async (lon, lat) => {
          await changed(await placeCase(c, lon, lat));
          await focus(current!);
        },
        pickOnMap: (onPick, onEnd) => {
          const end = opts.picker.start({
            hint: `在地图上点击案件 ${c.case_no} 的位置，按 Esc 取消`,
            once: true,
            onPick: (at) => onPick(at.lng, at.lat),
            onEnd: () => {
              if (endPick === end) endPick = null;
              onEnd();
            },
          });
          endPick = end;
          return end;
        },
        close,
      }),
    );
    detail.hidden = false;
    panel.classList.add('has-detail');
    markCase(map, c.id);
    draw();
  }

  function close() {
    endPick?.();
    current = null;
    detail.hidden = true;
    detail.replaceChildren();
    panel.classList.remove('has-detail');
    markCase(map, null);
    opts.clearGrid();
    draw();
  }

  async function open(id: string): Promise<void> {
    let c: Case;
    try {
      c = await getCase(id);
    } catch (e) {
      queue.setMessage(`案件加载失败：${errorText(e)}`, 'error');
      return;
    }
    show(c);
    await focus(c);
  }

  /** Flies to the case and highlights its grid; a case without a location (待定位) leaves the map where it is. */
  async function focus(c: Case) {
    const { lon, lat } = c.location;
    if (lon !== null && lat !== null)
      map.flyTo({
        center: [lon, lat],
        zoom: Math.max(map.getZoom(), 17),
        offset: offset(),
        duration: 800,
        essential: true,
      });
    const grid = c.assignment?.grid?.code;
    if (grid) await opts.selectGrid(grid);
    else opts.clearGrid();
  }

  if (opts.casesLayer) onCaseClick(map, (id) => void open(id));
  await refresh();
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);

  return {
    me,
    canAct,
    canPlace,
    canLink,
    refresh: () => refresh(),
    open,
    current: () => current,
    refreshes: () => refreshes,
  };
}
