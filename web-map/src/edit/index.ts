/**
 * The editing mode of the web map (构建与维护, issue 9 §2): a 编辑 control, shown only to roles the server lets edit
 * grids (the `x-roles` of its OpenAPI document), turns it on. Edits go straight to the boundaries (直接编辑: If-Match
 * the grid's version; the tiles reload when the layer versions move on) or into a draft (草稿: invisible to the
 * tiles, so its changed grids are drawn as an overlay; If-Match the draft's version). A click selects a grid — the
 * draft's version of it first — whose vertices can then be dragged (reshape move), added at an edge's midpoint
 * handle (add) or deleted from a vertex's menu (delete); its panel has 拆分, 合并, 退役, 改名, 移至社区 and 历史.
 * A refused edit lists its problems in the panel and marks them on the map; a stale view (412) reloads.
 *
 * `createEdit` runs before the layers' click handlers are registered (main.ts), so that in the editing mode its
 * click listener takes the map's clicks (marking them handled) and no grid, component or case panel opens.
 */
import type { Map as MaplibreMap, MapMouseEvent } from 'maplibre-gl';
import { fetchMe, fetchRouteRoles } from '../api.js';
import type { PanelView } from './panel.js';

/** For tests and the console: `window.__wangge.edit`. */
export interface EditHandle {
  /** Whether the editing mode is on. */
  active(): boolean;
  /** Turns the editing mode on or off. */
  toggle(on?: boolean): Promise<void>;
  /** Selects a grid for editing, as a click on it does. */
  select(code: string): Promise<boolean>;
  /** The panel's state (grid, draft, tool, problems). */
  view(): PanelView;
  /** Resolves when no request of the editing mode is running. */
  idle(): Promise<void>;
}

export interface EditStarter {
  /** Reads who the user is and what the server lets them do; shows the 编辑 control to editors. */
  start(): Promise<EditHandle | null>;
}

/** The route whose `x-roles` say who edits grids. */
const EDIT_ROUTE = 'post /api/grids/{code}/split';

/**
 * Registers the editing mode's click listener (call it before the layers' handlers) and returns its starter. The
 * mode itself (terra-draw included) is a separate chunk, loaded only for users who may edit.
 */
export function createEdit(map: MaplibreMap): EditStarter {
  let on = false;
  let onClick: ((e: MapMouseEvent) => void) | null = null;
  // In the editing mode the click is ours: marked handled, no grid, component or case panel opens.
  map.on('click', (e) => {
    if (!on || e.defaultPrevented) return;
    e.preventDefault();
    onClick?.(e);
  });
  return {
    async start() {
      const me = await fetchMe().catch(() => null);
      if (!me) return null;
      const roles = await fetchRouteRoles().catch(() => null);
      if (!roles?.get(EDIT_ROUTE)?.includes(me.role)) return null;
      const { startEditing } = await import('./session.js');
      return startEditing(map, me, roles, {
        setOn: (v) => (on = v),
        setClick: (fn) => (onClick = fn),
      });
    },
  };
}
