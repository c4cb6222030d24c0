-- Photos and other media (server/media). The bytes live in the media store (DATA_DIR/media or MEDIA_DIR),
-- content-addressed by the sha256 of the uploaded original: one row per distinct content, so a retried upload stores
-- nothing twice. width/height/has_thumb are null/false for an original the server cannot decode (HEIC). taken_at,
-- lon and lat come from the original's EXIF (WGS 84 as cameras write it); the served copy carries no EXIF.
-- case_id: the case the media belongs to (null until attached); media of a case are kept as long as the case.
create table media (
  id            serial primary key,
  sha256        text not null unique check (sha256 ~ '^[0-9a-f]{64}$'),
  content_type  text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'image/heic')),
  bytes         integer not null check (bytes > 0),
  width         integer,
  height        integer,
  taken_at      timestamptz,
  lon           double precision check (lon between -180 and 180),
  lat           double precision check (lat between -90 and 90),
  has_thumb     boolean not null default false,
  uploaded_by   integer references app_user (id),
  created_at    timestamptz not null default now(),
  case_id       bigint references case_record (id)
);
create index media_case_idx on media (case_id) where case_id is not null;
