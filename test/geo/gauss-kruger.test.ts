/** CGCS2000 3° Gauss–Krüger (EPSG:4513–4554) through proj4: definitions, zone prefixes, and points with known answers. */
import { expect } from 'chai';
import {
  gaussKrugerDefinition,
  gaussKrugerToLonLat,
  lonLatToGaussKruger,
  parseGaussKruger,
} from '../../server/geo/gauss-kruger.js';

describe('CGCS2000 3° Gauss–Krüger (EPSG:4513–4554)', () => {
  it('EPSG:4513 is zone 25 (75°E, zone in the easting), EPSG:4547 CM 114°E, EPSG:4554 CM 135°E; others are not ours', () => {
    expect(gaussKrugerDefinition(4513)).to.equal(
      '+proj=tmerc +lat_0=0 +lon_0=75 +k=1 +x_0=25500000 +y_0=0 +ellps=GRS80 +units=m +no_defs',
    );
    expect(gaussKrugerDefinition(4526)).to.contain('+lon_0=114 ').and.contain('+x_0=38500000 ');
    expect(gaussKrugerDefinition(4547)).to.contain('+lon_0=114 ').and.contain('+x_0=500000 ');
    expect(gaussKrugerDefinition(4554)).to.contain('+lon_0=135 ');
    expect([4512, 4555, 4326, 4547.5].map(gaussKrugerDefinition)).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(['EPSG:4547', 'epsg:4547', '4547', ' EPSG:4526 ', 'EPSG:4490', 'GK'].map(parseGaussKruger)).to.deep.equal([
      4547,
      4547,
      4547,
      4526,
      undefined,
      undefined,
    ]);
  });

  it('the central meridian on the equator is the false origin; a meridian point keeps the easting', () => {
    const [lon, lat] = gaussKrugerToLonLat(4547, 500_000, 0);
    expect(lon).to.be.closeTo(114, 1e-12);
    expect(lat).to.be.closeTo(0, 1e-12);
    // On the central meridian the northing is the meridian arc of GRS80 (k = 1): 2,544,537.5786 m at 23°N by
    // Helmert's series (a 6378137, 1/f 298.257222101, terms to e⁸), computed independently of proj4.
    const [x, y] = lonLatToGaussKruger(4547, 114, 23);
    expect(x).to.be.closeTo(500_000, 1e-6);
    expect(y).to.be.closeTo(2_544_537.5786, 0.001);
  });

  it('zone-prefixed and CM eastings differ by exactly the zone × 1,000,000; points 1° either side mirror', () => {
    const [x1, y1] = lonLatToGaussKruger(4547, 113.25, 23.13);
    const [x2, y2] = lonLatToGaussKruger(4526, 113.25, 23.13);
    expect(x2 - x1).to.be.closeTo(38_000_000, 1e-6);
    expect(y2).to.be.closeTo(y1, 1e-6);
    const [xw, yw] = lonLatToGaussKruger(4547, 113, 23);
    const [xe, ye] = lonLatToGaussKruger(4547, 115, 23);
    expect(500_000 - xw).to.be.closeTo(xe - 500_000, 1e-6);
    expect(yw).to.be.closeTo(ye, 1e-6);
    // Round trip to well under a millimetre (1e-8° ≈ 1 mm).
    const [lon, lat] = gaussKrugerToLonLat(4526, x2, y2);
    expect(lon).to.be.closeTo(113.25, 1e-8);
    expect(lat).to.be.closeTo(23.13, 1e-8);
  });
});
