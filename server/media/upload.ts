/** Storing an upload (content-addressed, once) and reading media rows. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { User } from '../auth/tokens.js';
import type { DB, MediaTable } from '../db/schema.js';
import { write } from '../db/write.js';
import { HttpError } from '../http/problem.js';
import { derive, readExif, sniff, UndecodableImage } from './image.js';
import { sha256, type MediaStore } from './store.js';

export type MediaRow = Selectable<MediaTable>;

const unsupported = (detail: string) => new HttpError(415, 'unsupported-media-type', 'Unsupported media type', detail);

const COLUMNS = sql<MediaRow>`id, sha256, content_type, bytes, width, height, taken_at, lon, lat, has_thumb,
  uploaded_by, created_at, case_id::int as case_id`;

async function bySha(db: Kysely<DB>, sha: string): Promise<MediaRow | undefined> {
  return (await sql<MediaRow>`select ${COLUMNS} from media where sha256 = ${sha}`.execute(db)).rows[0];
}

/** A media row and, when it belongs to a case, the case's region code ('' outside every region). */
export async function findMedia(
  db: Kysely<DB>,
  id: number,
): Promise<{ row: MediaRow; caseRegion: string | null } | undefined> {
  const r = await sql<MediaRow & { case_region: string | null }>`
    select m.*, (select coalesce(c.grid_code, c.community_code, c.street_code, c.district_code, '')
                 from case_record c where c.id = m.case_id) as case_region
    from (select ${COLUMNS} from media where id = ${id}) m`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  const { case_region, ...rest } = row;
  return { row: rest, caseRegion: case_region };
}

/**
 * Stores an upload: 415 unless its bytes are an accepted image; the same bytes as a stored media answer that media
 * (created: false) and store nothing. Files are written before the row, so a row always has its files; a crash
 * between them leaves files that the next upload of those bytes reuses.
 */
export async function uploadMedia(
  db: Kysely<DB>,
  store: MediaStore,
  bytes: Buffer,
  user: User,
  accepted: string,
): Promise<{ row: MediaRow; created: boolean }> {
  const type = sniff(bytes);
  if (!type) throw unsupported(`the body is not a ${accepted} image by its bytes, whatever its Content-Type says`);
  const sha = sha256(bytes);
  const existing = await bySha(db, sha);
  if (existing) return { row: existing, created: false };
  let derived;
  try {
    derived = await derive(bytes, type);
  } catch (e) {
    if (e instanceof UndecodableImage) {
      throw unsupported(`the body starts like ${type} but is not a readable image: ${e.message}`);
    }
    throw e;
  }
  const exif = await readExif(bytes);
  await store.put(bytes);
  if (derived) {
    await store.putVariant(sha, 'public', derived.public);
    await store.putVariant(sha, 'thumb', derived.thumb);
  }
  return write(db, { actor: { id: user.id, name: user.name } }, async (trx) => {
    const inserted = (
      await sql<MediaRow>`
        insert into media (sha256, content_type, bytes, width, height, taken_at, lon, lat, has_thumb, uploaded_by)
        values (${sha}, ${type}, ${bytes.length}, ${derived?.width ?? null}, ${derived?.height ?? null},
          ${exif.takenAt}, ${exif.lon}, ${exif.lat}, ${derived !== null}, ${user.id})
        on conflict (sha256) do nothing
        returning ${COLUMNS}`.execute(trx)
    ).rows[0];
    // A concurrent upload of the same bytes won the race: answer its row.
    const row = inserted ?? (await bySha(trx, sha))!;
    return {
      action: inserted ? 'create' : 'replay',
      entity: 'media',
      key: String(row.id),
      detail: { new: { sha256: sha, content_type: type, bytes: bytes.length } },
      result: { row, created: !!inserted },
    };
  });
}

/** The media type of the copy served by GET /api/media/:id. */
export const publicType = (row: MediaRow): string =>
  row.content_type === 'image/heic' ? (row.has_thumb ? 'image/jpeg' : 'image/heic') : row.content_type;

export function presentMedia(row: MediaRow) {
  return {
    id: row.id,
    sha256: row.sha256,
    content_type: row.content_type,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    taken_at: row.taken_at ? new Date(row.taken_at).toISOString() : null,
    lon: row.lon,
    lat: row.lat,
    case_id: row.case_id,
    url: `/api/media/${row.id}`,
    thumb_url: row.has_thumb ? `/api/media/${row.id}/thumb` : null,
    created_at: new Date(row.created_at).toISOString(),
  };
}
