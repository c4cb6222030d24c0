-- The address gazetteer (地址库, GB/T 30428.3 basic places): roads and streets (街巷), doorplates (门牌/楼牌) and
-- landmarks (兴趣点/标志物); the regions (district, street, community) are those of the foundation. Live rows are
-- here; an edit or an import that changes a row copies it into address_history with the period it was valid.
create extension if not exists pg_trgm;
create extension if not exists fuzzystrmatch;

-- A road: a named line. Its names — the current one, aliases, and former names with the dates they held — are in
-- road_name (a renamed road keeps its old name as a 'former' name, so old addresses still find it).
create table road (
  id            bigserial primary key,
  name          text not null check (length(name) between 1 and 100),
  geom          geometry(MultiLineString, 4326) not null,
  district_code text,                          -- derived: the district of the road's midpoint
  version       integer not null default 1,
  valid_from    timestamptz not null default now()
);
create index road_geom on road using gist (geom);
create index road_name_live on road (name);

create table road_name (
  road_id    bigint not null references road(id) on delete cascade,
  name       text not null,
  kind       text not null check (kind in ('name', 'alias', 'former')),
  valid_from date,
  valid_to   date,
  primary key (road_id, name)
);
create index road_name_trgm on road_name using gin (name gin_trgm_ops);

-- A doorplate (门牌): road + number (+ the building plate 楼牌 inside it). `number` is a string ('12', '12-1');
-- number_int its leading integer (parity and interpolation); side and measure place it along its road.
create table doorplate (
  id             bigserial primary key,
  road_id        bigint references road(id),
  road           text not null,
  number         text not null check (length(number) between 1 and 20),
  number_int     integer,
  building       text not null default '' check (length(building) <= 20),
  geom           geometry(Point, 4326) not null,
  side           smallint check (side in (-1, 0, 1)),  -- left (-1) or right (1) of the road's direction
  measure        double precision,                     -- 0–1 along the road (ST_LineLocatePoint)
  grid_code      text,
  community_code text,
  street_code    text,
  district_code  text,
  version        integer not null default 1,
  valid_from     timestamptz not null default now(),
  unique (road, number, building)
);
create index doorplate_geom on doorplate using gist (geom);
create index doorplate_road on doorplate (road_id, number_int);

-- A landmark (兴趣点/标志物): schools, markets, the bus station… a point or polygon with aliases.
create table landmark (
  id             bigserial primary key,
  name           text not null check (length(name) between 1 and 100),
  aliases        text[] not null default '{}',
  kind           text not null default '',
  geom           geometry(Geometry, 4326) not null,
  grid_code      text,
  community_code text,
  street_code    text,
  district_code  text,
  version        integer not null default 1,
  valid_from     timestamptz not null default now(),
  unique (name)
);
create index landmark_geom on landmark using gist (geom);
create index landmark_name_trgm on landmark using gin (name gin_trgm_ops);

create table address_history (
  id         bigserial primary key,
  kind       text not null check (kind in ('road', 'doorplate', 'landmark')),
  key        text not null,              -- the road name, 'road|number|building', or the landmark name
  version    integer not null,
  attrs      jsonb not null,
  geom       geometry(Geometry, 4326),
  valid_from timestamptz not null,
  valid_to   timestamptz not null,
  ended_by   text not null check (ended_by in ('edit', 'import', 'delete'))
);
create index address_history_key on address_history (kind, key, valid_to);

insert into tile_layer_version (layer) values ('addresses') on conflict do nothing;
