/** Schemas of the media routes (server/media/routes.ts). */
import Type from 'typebox';

export const MEDIA_ID = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const MEDIA = Type.Object({
  id: Type.Integer(),
  sha256: Type.String({ description: 'sha256 (hex) of the uploaded original' }),
  content_type: Type.String({ description: 'type of the original by its magic bytes' }),
  bytes: Type.Integer({ description: 'size of the original' }),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  taken_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'EXIF DateTimeOriginal (China Standard Time unless the photo names its offset)',
  }),
  lon: Type.Union([Type.Number(), Type.Null()], { description: 'EXIF GPS longitude (WGS 84)' }),
  lat: Type.Union([Type.Number(), Type.Null()], { description: 'EXIF GPS latitude (WGS 84)' }),
  case_id: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String({ description: 'the copy without EXIF' }),
  thumb_url: Type.Union([Type.String(), Type.Null()], { description: 'null when no thumbnail could be made (HEIC)' }),
  created_at: Type.String({ format: 'date-time' }),
});
