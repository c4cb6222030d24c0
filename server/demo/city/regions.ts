/** Region growing: split a connected set of blocks into k contiguous, roughly balanced regions. */

export function partitionRegions(
  nodes: number[],
  k: number,
  adj: number[][],
  weight: ArrayLike<number>,
  cx: ArrayLike<number>,
  cy: ArrayLike<number>,
  regionOf: Int32Array,
): number {
  k = Math.max(1, Math.min(k, nodes.length));
  for (const n of nodes) regionOf[n] = -1;
  if (k === 1) {
    for (const n of nodes) regionOf[n] = 0;
    return 1;
  }
  // Seeds: farthest-point initialisation, then weighted Lloyd iterations on block centroids.
  let mx = 0,
    my = 0,
    mw = 0;
  for (const n of nodes) {
    mx += cx[n] * weight[n];
    my += cy[n] * weight[n];
    mw += weight[n];
  }
  mx /= mw;
  my /= mw;
  const centersX: number[] = [],
    centersY: number[] = [];
  const minD = new Float64Array(nodes.length).fill(Infinity);
  let far = 0,
    farD = -1;
  nodes.forEach((n, i) => {
    const d = (cx[n] - mx) ** 2 + (cy[n] - my) ** 2;
    if (d > farD) {
      farD = d;
      far = i;
    }
  });
  for (let c = 0; c < k; c++) {
    const n0 = nodes[far];
    centersX.push(cx[n0]);
    centersY.push(cy[n0]);
    farD = -1;
    nodes.forEach((n, i) => {
      const d = (cx[n] - cx[n0]) ** 2 + (cy[n] - cy[n0]) ** 2;
      if (d < minD[i]) minD[i] = d;
      if (minD[i] > farD) {
        farD = minD[i];
        far = i;
      }
    });
  }
  const nearest = new Int32Array(nodes.length);
  for (let it = 0; it < 8; it++) {
    const sx = new Float64Array(k),
      sy = new Float64Array(k),
      sw = new Float64Array(k);
    nodes.forEach((n, i) => {
      let best = 0,
        bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = (cx[n] - centersX[c]) ** 2 + (cy[n] - centersY[c]) ** 2;
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      nearest[i] = best;
      sx[best] += cx[n] * weight[n];
      sy[best] += cy[n] * weight[n];
      sw[best] += weight[n];
    });
    for (let c = 0; c < k; c++)
      if (sw[c] > 0) {
        centersX[c] = sx[c] / sw[c];
        centersY[c] = sy[c] / sw[c];
      }
  }
  // Grow from the block nearest each centre, always extending the lightest region with a free neighbour.
  const w = new Float64Array(k);
  const frontier: number[][] = [];
  const take = (r: number, n: number) => {
    regionOf[n] = r;
    w[r] += weight[n];
    for (const m of adj[n]) if (regionOf[m] === -1) frontier[r].push(m);
  };
  for (let c = 0; c < k; c++) {
    frontier.push([]);
    let best = -1,
      bd = Infinity;
    for (const n of nodes) {
      if (regionOf[n] !== -1) continue;
      const d = (cx[n] - centersX[c]) ** 2 + (cy[n] - centersY[c]) ** 2;
      if (d < bd) {
        bd = d;
        best = n;
      }
    }
    take(c, best);
  }
  let left = nodes.length - k;
  while (left > 0) {
    let r = -1;
    for (let c = 0; c < k; c++) {
      const f = frontier[c];
      if (!f.length) continue;
      let j = 0;
      for (const m of f) if (regionOf[m] === -1) f[j++] = m;
      f.length = j;
      if (j && (r < 0 || w[c] < w[r])) r = c;
    }
    if (r < 0) throw new Error('demo-city: block graph is not connected (internal error)');
    const f = frontier[r];
    let bi = 0,
      bd = Infinity;
    for (let i = 0; i < f.length; i++) {
      const n = f[i];
      const d = (cx[n] - centersX[r]) ** 2 + (cy[n] - centersY[r]) ** 2;
      if (d < bd || (d === bd && n < f[bi])) {
        bd = d;
        bi = i;
      }
    }
    const n = f[bi];
    f[bi] = f[f.length - 1];
    f.pop();
    take(r, n);
    left--;
  }
  return k;
}
