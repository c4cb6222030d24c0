/**
 * Image handling for uploads: the type by magic bytes (never by the header), EXIF GPS and time of the original, a
 * public copy without metadata and a thumbnail. sharp re-encodes without EXIF/XMP/ICC-extras unless asked to keep
 * them (withMetadata/keepExif), so the copies it writes carry no location.
 *
 * HEIC: the prebuilt sharp (libvips + libheif with AOM only) decodes AVIF but not HEVC-coded HEIC. A HEIC original
 * is still stored and its EXIF read (exifr parses HEIC containers), but there is no public re-encode and no
 * thumbnail: `derive()` answers null for them when sharp cannot decode the bytes.
 */
import exifr from 'exifr';
import sharp from 'sharp';

export type MediaType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';

/** The largest side of a thumbnail, in pixels. */
export const THUMB_MAX = 320;

const HEIC_BRANDS = new Set(['heic', 'heix', 'mif1', 'msf1', 'heim', 'heis', 'hevc', 'hevx']);

/** The image type of the bytes by their magic numbers, or null when they are none of the accepted types. */
export function sniff(b: Uint8Array): MediaType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a ? 'image/png' : null;
  }
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 12 && ascii(4, 8) === 'ftyp' && HEIC_BRANDS.has(ascii(8, 12))) return 'image/heic';
  return null;
}

export interface Exif {
  /** The time the photo was taken: DateTimeOriginal with OffsetTimeOriginal, else read as China Standard Time. */
  takenAt: Date | null;
  lon: number | null;
  lat: number | null;
}

const NONE: Exif = { takenAt: null, lon: null, lat: null };

/** EXIF time and GPS position of an original; nothing (not an error) when it has none or they are unreadable. */
export async function readExif(bytes: Uint8Array): Promise<Exif> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(Buffer.from(bytes), {
      tiff: true,
      exif: true,
      gps: true,
      xmp: false,
      icc: false,
      iptc: false,
      reviveValues: false,
      translateValues: false,
      pick: [
        'DateTimeOriginal',
        'OffsetTimeOriginal',
        'GPSLatitude',
        'GPSLatitudeRef',
        'GPSLongitude',
        'GPSLongitudeRef',
      ],
    });
  } catch {
    return NONE;
  }
  if (!tags) return NONE;
  const lat = degrees(tags.GPSLatitude, tags.GPSLatitudeRef, 'S', 90);
  const lon = degrees(tags.GPSLongitude, tags.GPSLongitudeRef, 'W', 180);
  const placed = lat !== null && lon !== null && !(lat === 0 && lon === 0);
  return {
    takenAt: exifTime(tags.DateTimeOriginal, tags.OffsetTimeOriginal),
    lon: placed ? lon : null,
    lat: placed ? lat : null,
  };
}

function degrees(v: unknown, ref: unknown, negative: string, max: number): number | null {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  const [d, m, s] = v as number[];
  const value = (d + m / 60 + s / 3600) * (ref === negative ? -1 : 1);
  return Math.abs(value) <= max ? Math.round(value * 1e7) / 1e7 : null;
}

/** "YYYY:MM:DD HH:MM:SS" with an optional "+HH:MM" offset (default +08:00, China Standard Time). */
export function exifTime(v: unknown, offset: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(v.trim());
  if (!m) return null;
  const off = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '+08:00';
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export interface Derived {
  width: number;
  height: number;
  /** The image as shown: upright (EXIF orientation applied), re-encoded in its own format, without metadata. */
  public: Buffer;
  /** JPEG, the largest side at most THUMB_MAX (never enlarged). */
  thumb: Buffer;
}

/**
 * The public copy and thumbnail of an original of a sniffed type. Null for a HEIC the library cannot decode.
 * Throws UndecodableImage for bytes that carry an image's magic number but are no image (a PNG header on text).
 */
export async function derive(bytes: Uint8Array, type: MediaType): Promise<Derived | null> {
  const input = Buffer.from(bytes);
  try {
    const upright = () => sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 }).rotate();
    const encoded =
      type === 'image/png'
        ? upright().png()
        : type === 'image/webp'
          ? upright().webp({ quality: 85 })
          : upright().jpeg({ quality: 85, mozjpeg: true });
    const pub = await encoded.toBuffer({ resolveWithObject: true });
    const thumb = await upright()
      .resize(THUMB_MAX, THUMB_MAX, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
    return { width: pub.info.width, height: pub.info.height, public: pub.data, thumb };
  } catch (e) {
    if (type === 'image/heic') return null;
    throw new UndecodableImage((e as Error).message);
  }
}

export class UndecodableImage extends Error {}
