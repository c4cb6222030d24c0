/**
 * A real client of the OGC API: OWSLib (Debian python3-owslib) runs scripts/ogc-check.py against the micro-city —
 * collections, every grid page by page along `next`, a bbox, crs=EPSG:4490, cases without personal fields.
 * Skipped where OWSLib is not installed (CI installs it before the PostgreSQL run).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DRIVER } from '../helpers/db.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

const hasOwslib = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import owslib'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe(`OGC API with OWSLib, a real client (${DRIVER})`, function () {
  this.timeout(120_000);
  const env = useMicroCityServer();
  before(function () {
    if (!hasOwslib) this.skip();
  });

  it('scripts/ogc-check.py passes: paging, bbox, crs and no personal data', async () => {
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      ['scripts/ogc-check.py', `${env.server.url}/ogc`, '--no-qgis'],
      {
        timeout: 100_000,
      },
    );
    expect(stdout).to.not.match(/FAIL/);
    expect(stdout).to.match(/numberMatched/);
  });
});
