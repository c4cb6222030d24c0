-- Foundation: region hierarchy, unit grids, users, audit trail, tile-layer versions.
create extension if not exists postgis;

-- District (区县, 6 digits), street (街道/镇, 9) and community (社区/村, 12).
-- Rows are never overwritten when a boundary changes: the old row gets a termination_date (终止日期)
-- and a new row starts; a code is unique among live rows only.
create table region (
  id               bigserial primary key,
  code             text not null check (code ~ '^[0-9]+$'),
  level            text not null check (level in ('district', 'street', 'community')),
  parent_code      text,
  district_code    char(6) not null,
  name             text not null check (length(name) between 1 and 100),
  geom             geometry(MultiPolygon, 4326) not null,
  area_m2          double precision not null,
  initial_date     date not null default current_date,
  termination_date date,
  updated_at       timestamptz not null default now(),
  check (length(code) = case level when 'district' then 6 when 'street' then 9 else 12 end),
  check ((level = 'district') = (parent_code is null)),
  check (parent_code is null or left(code, length(parent_code)) = parent_code),
  check (left(code, 6) = district_code)
);
create unique index region_live_code on region (code) where termination_date is null;
create index region_level_live on region (level) where termination_date is null;
create index region_parent on region (parent_code);
create index region_geom on region using gist (geom);

-- Unit grids (单元网格): 15-digit code = 6 district + 3 street + 3 community + 3 serial (GB/T 30428.1).
create table unit_grid (
  id               bigserial primary key,
  code             char(15) not null check (code ~ '^[0-9]{15}$'),
  name             text not null check (length(name) between 1 and 100),
  community_code   char(12) not null,
  street_code      char(9) not null,
  district_code    char(6) not null,
  geom             geometry(MultiPolygon, 4326) not null,
  area_m2          double precision not null,
  initial_date     date not null default current_date,
  termination_date date,
  updated_at       timestamptz not null default now(),
  check (left(code, 12) = community_code),
  check (left(code, 9) = street_code),
  check (left(code, 6) = district_code)
);
create unique index unit_grid_live_code on unit_grid (code) where termination_date is null;
create index unit_grid_community on unit_grid (community_code) where termination_date is null;
create index unit_grid_geom on unit_grid using gist (geom);

-- Users and bearer tokens (only the SHA-256 of a token is stored).
create table app_user (
  id           serial primary key,
  name         text not null unique,
  role         text not null check (role in ('admin', 'gis_editor', 'dispatcher', 'department_handler', 'collector', 'viewer')),
  region_scope text not null default '' check (region_scope ~ '^[0-9]*$'),
  token_hash   text not null unique,
  created_at   timestamptz not null default now(),
  disabled_at  timestamptz
);

-- Append-only audit trail of every write.
create table audit_event (
  id         bigserial primary key,
  at         timestamptz not null default now(),
  actor_id   integer references app_user(id),
  actor_name text not null,
  action     text not null,
  entity     text not null,
  entity_key text,
  detail     jsonb not null default '{}'::jsonb
);
create index audit_event_entity on audit_event (entity, entity_key);

-- A write to a layer bumps its version; tile cache keys and TileJSON URLs carry it. Versions start at the
-- creation time in seconds, so a rebuilt database never repeats an old version that browsers may have cached.
create table tile_layer_version (
  layer      text primary key,
  version    bigint not null default extract(epoch from clock_timestamp())::bigint,
  updated_at timestamptz not null default now()
);
insert into tile_layer_version (layer) values ('grids'), ('communities'), ('streets'), ('districts');
