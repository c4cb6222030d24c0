/** npm run export -- [--layer all|districts|streets|communities|grids] [--prefix CODE] [--out file.geojson] */
import fs from 'node:fs';
import { once } from 'node:events';
import { EXPORT_LAYERS, exportGeoJson, type ExportLayer } from '../server/importexport/export.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

runCli(async () => {
  const layer = arg('layer', 'all') as ExportLayer;
  if (!EXPORT_LAYERS.includes(layer)) throw new Error(`--layer must be one of ${EXPORT_LAYERS.join(', ')}`);
  const prefix = arg('prefix', '');
  if (!/^[0-9]*$/.test(prefix)) throw new Error('--prefix must be digits');
  const out = arg('out', '-');
  const database = await openConfiguredDatabase();
  const stream = out === '-' ? process.stdout : fs.createWriteStream(out);
  try {
    for await (const chunk of exportGeoJson(database.db, layer, prefix)) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
  } finally {
    await database.close();
  }
  if (stream !== process.stdout) {
    await new Promise((r) => (stream as fs.WriteStream).end(r));
    console.error(`wrote ${out}`);
  }
});
