/** Test photos made with sharp, with EXIF written by sharp's withExif: no binary fixtures. */
import sharp from 'sharp';

export interface PhotoOptions {
  width?: number;
  height?: number;
  format?: 'jpeg' | 'png' | 'webp';
  /** [lon, lat] written as EXIF GPS. */
  gps?: [number, number];
  /** EXIF DateTimeOriginal, "YYYY:MM:DD HH:MM:SS". */
  taken?: string;
  offset?: string;
  orientation?: number;
  /** Background colour; different colours make different bytes. */
  colour?: string;
}

const dms = (v: number) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
};

export async function photo(o: PhotoOptions): Promise<Buffer> {
  let img = sharp({
    create: { width: o.width ?? 64, height: o.height ?? 48, channels: 3, background: o.colour ?? '#3a7' },
  });
  const exif: Record<string, Record<string, string>> = {};
  if (o.gps) {
    const [lon, lat] = o.gps;
    exif.IFD3 = {
      GPSLatitudeRef: lat < 0 ? 'S' : 'N',
      GPSLatitude: dms(lat),
      GPSLongitudeRef: lon < 0 ? 'W' : 'E',
      GPSLongitude: dms(lon),
    };
  }
  if (o.taken) exif.IFD2 = { DateTimeOriginal: o.taken, ...(o.offset ? { OffsetTimeOriginal: o.offset } : {}) };
  if (Object.keys(exif).length) img = img.withExif(exif);
  if (o.orientation) img = img.withMetadata({ orientation: o.orientation });
  const f = o.format ?? 'jpeg';
  return f === 'png' ? img.png().toBuffer() : f === 'webp' ? img.webp().toBuffer() : img.jpeg().toBuffer();
}
