/** Chinese labels of the geocoder's answers (shared by the search box and the dispatcher desk; no DOM). */
import type { GeocodeLevel } from './api.js';

/** The Chinese names of the server's candidate levels. */
export const LEVEL_LABELS: Record<GeocodeLevel, string> = {
  doorplate: '门牌',
  interpolated: '插值门牌',
  landmark: '地标',
  road: '道路',
  community: '社区',
  street: '街道',
  district: '区',
};

export const levelLabel = (level: string): string => LEVEL_LABELS[level as GeocodeLevel] ?? level;

/** A score in 0–1 as a whole percentage: "85%". */
export const percent = (score: number): string => `${Math.round(Math.max(0, Math.min(1, score)) * 100)}%`;
