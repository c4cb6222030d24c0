/**
 * A 5 × 5 lattice city of 0.001° grids at lon 101.000–101.005, lat 21.000–21.005: district 990009 (made up), one
 * street 990009001, one community 990009001001, grids 990009001001001 … 025 numbered row by row from the north-west.
 * LATTICE holds case counts per cell, north row first (53 cases).
 */
export const LATTICE = [
  [9, 7, 4, 1, 0],
  [7, 6, 3, 1, 0],
  [4, 3, 2, 0, 0],
  [1, 1, 0, 0, 1],
  [0, 0, 0, 1, 2],
];
export const X0 = 101;
export const Y0 = 21;
export const D = 0.001;

function rect(c0: number, r0: number, c1: number, r1: number) {
  const x = (c: number) => Math.round((X0 + c * D) * 1e7) / 1e7;
  const y = (r: number) => Math.round((Y0 + r * D) * 1e7) / 1e7;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x(c0), y(r0)],
        [x(c1), y(r0)],
        [x(c1), y(r1)],
        [x(c0), y(r1)],
        [x(c0), y(r0)],
      ],
    ],
  };
}

/** The lattice city: a district, a street, a community and 25 grids, serials row by row from the north-west. */
export function latticeCity() {
  const f = (code: string, name: string, level: string, geometry: unknown) => ({
    type: 'Feature',
    properties: { code, name, level },
    geometry,
  });
  const features = [
    f('990009', '格网示范区', 'district', rect(0, 0, 5, 5)),
    f('990009001', '格网街道', 'street', rect(0, 0, 5, 5)),
    f('990009001001', '格网社区', 'community', rect(0, 0, 5, 5)),
  ];
  for (let row = 0; row < 5; row++) {
    for (let c = 0; c < 5; c++) {
      const serial = String(row * 5 + c + 1).padStart(3, '0');
      features.push(f(`990009001001${serial}`, `格网${serial}`, 'grid', rect(c, 4 - row, c + 1, 5 - row)));
    }
  }
  return { type: 'FeatureCollection', features };
}
