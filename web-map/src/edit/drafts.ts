/**
 * The draft actions of the editing mode: choose where edits go (直接编辑 or a draft), 新建草稿, and the draft bar's
 * 撤销, 影响分析, 发布 (then the tiles reload) and 放弃 (asked twice). A stale draft (412: someone else changed it)
 * is reloaded and the user told to try again.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import { ApiError } from '../http.js';
import { reloadBoundaryTiles } from '../layers/edit.js';
import * as api from './api.js';
import type { PanelView } from './panel.js';

/** What the draft actions use of the session. */
export interface SessionContext {
  v: PanelView;
  map: MaplibreMap;
  /** Runs one request at a time with the panel busy; errors become the message. */
  busy<T>(fn: () => Promise<T>): Promise<T | undefined>;
  say(text: string, kind?: 'info' | 'error'): void;
  render(): void;
  selectGrid(code: string | null): Promise<boolean>;
  loadDrafts(): Promise<void>;
  reloadDraft(): Promise<void>;
}

export function draftActions(c: SessionContext) {
  const { v } = c;
  /** Runs a change of the open draft; a 412 reloads it and says so. */
  const change = (fn: () => Promise<void>) =>
    void c.busy(async () => {
      try {
        await fn();
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 412)) throw e;
        await c.reloadDraft();
        c.say('草稿已被他人修改，已重新加载，请重试。', 'error');
      }
    });
  return {
    setTarget: (id: number | null) =>
      void c.busy(async () => {
        v.whatIf = null;
        v.published = null;
        v.confirmDiscard = false;
        v.draft = id === null ? null : await api.getDraft(id);
        c.say(id === null ? '直接编辑：每次编辑立即发布。' : `草稿「${v.draft!.name}」：编辑发布前对他人不可见。`);
        await c.selectGrid(v.grid?.code ?? null);
      }),
    newDraft: (name: string) =>
      void c.busy(async () => {
        v.draft = await api.createDraft(name);
        await c.loadDrafts();
        v.published = null;
        c.say(`已新建草稿「${name}」。`);
        await c.selectGrid(v.grid?.code ?? null);
      }),
    undo: () =>
      change(async () => {
        v.draft = await api.undoDraft(v.draft!);
        c.say('已撤销上一步。');
        v.whatIf = null;
        v.problems = [];
        await c.loadDrafts();
        await c.selectGrid(v.grid?.code ?? null);
      }),
    whatIf: () =>
      void c.busy(async () => {
        v.whatIf = await api.whatIf(v.draft!.id);
        c.say('');
      }),
    publish: () =>
      change(async () => {
        v.published = await api.publishDraft(v.draft!);
        c.say(`草稿「${v.draft!.name}」已发布。`);
        v.draft = null;
        v.whatIf = null;
        await c.loadDrafts();
        await reloadBoundaryTiles(c.map);
        await c.selectGrid(null);
      }),
    discard: () => {
      if (!v.confirmDiscard) {
        v.confirmDiscard = true;
        return c.render();
      }
      v.confirmDiscard = false;
      change(async () => {
        await api.discardDraft(v.draft!);
        c.say(`草稿「${v.draft!.name}」已放弃。`);
        v.draft = null;
        v.whatIf = null;
        await c.loadDrafts();
        await c.selectGrid(null);
      });
    },
  };
}
