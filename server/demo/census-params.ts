/** Parameters of the demo city's component census (data/demo-census.json) and its public types. */
import fs from 'node:fs';

export type RoadKind = 'arterial' | 'local';
/** A line of a road's cross-section that an offset is measured from (outwards): centre line, curb, back of sidewalk. */
export type CrossLine = 'centre' | 'curb' | 'back';

export interface AlongSpec {
  class: string;
  roads: RoadKind | 'all';
  /** both: a row on each side; one: one side per road; alternate: switching sides at every item. */
  sides: 'both' | 'one' | 'alternate';
  /** Distance between consecutive items, drawn in [min, max]. */
  spacing: [number, number];
  from: CrossLine;
  offset: number;
  /** Keep at least this far (along the road) from a junction's centre; default: beyond the crossing road's sidewalk. */
  clear?: number;
}

export interface JunctionItem {
  class: string;
  /** One per corner, or so many corners (distinct, drawn). */
  perCorner?: number;
  corners?: number;
  /** Beyond the crossing road's curb, along the road. */
  along: number;
  /** Beyond this road's curb, across it. */
  across: number;
  /** Only where two arterials cross. */
  arterialOnly?: boolean;
  /** Share of the junctions that get one (default 1). */
  share?: number;
}

export interface CensusParams {
  censusDate: string;
  installedFrom: number;
  installedTo: number;
  crossSection: Record<RoadKind, { carriageway: number; sidewalk: number }>;
  covers: { spacing: [number, number]; lines: Record<RoadKind, [number, number]>; weights: Record<string, number> };
  along: AlongSpec[];
  lampHandholes: { class: string; of: string; every: number; along: number; from: CrossLine; offset: number };
  junctions: { items: JunctionItem[] };
  blocks: {
    margin: number;
    perCommunity: Record<string, number>;
    perStreet: Record<string, number>;
    perParkGrid: Record<string, number>;
    park: Record<string, number>;
    anywhere: Record<string, number>;
  };
  status: { damaged: number; lost: number; lostClasses: string[] };
  dataSource: Record<string, number>;
  /** 权属单位 by class when it is not the owner department (a name only: not one of the demo's departments). */
  title: Record<string, string>;
}

export const CENSUS_PARAMS = JSON.parse(
  fs.readFileSync(new URL('../../data/demo-census.json', import.meta.url), 'utf8'),
) as CensusParams;

/** A planned component: class, position, name and where it was placed (before codes and attributes). */
export interface PlannedComponent {
  cls: string;
  lon: number;
  lat: number;
  name: string;
  /** The road it stands along (road and junction items). */
  road?: string;
  /** The street of the grid that holds it (JS point-in-polygon; the database derives the real grid). */
  street: string;
}

/** A component ready to insert: the census attributes of GB/T 47678.5 表2 as the demo fills them. */
export interface CensusRow extends PlannedComponent {
  code: string;
  ownerCode: string | null;
  ownerName: string;
  titleCode: string | null;
  titleName: string;
  maintainerCode: string | null;
  maintainerName: string;
  status: '完好' | '破损' | '丢失';
  initialDate: string;
  changeDate: string;
  dataSource: string;
  accuracy: 'A' | 'B';
  note: string;
}
