-- Dispatch: category dictionary, time limits, working calendar, responsibility library, cases and their history.

-- Category dictionary (GB/T 47678.5 Annex A components / Annex C matters). Components and matters reuse the same
-- 5-digit codes, so the key is (kind, code). legacy_codes: CJ/T 214 / GB/T 30428.2 4-digit codes known to map here.
create table category (
  kind         text not null check (kind in ('component', 'matter')),
  code         char(5) not null check (code ~ '^[0-9]{5}$'),
  major_code   char(2) not null,
  major_name   text not null,
  name         text not null,
  legacy_codes text[] not null default '{}',
  primary key (kind, code),
  check (major_code = left(code, 2))
);
create index category_legacy on category using gin (legacy_codes);

-- Disposal time limits in working hours, per category pattern × filing condition (立案条件) × area class.
-- pattern: a 5-digit class code, a 2-digit major class, or '*'. condition '' = any condition.
-- Local configuration, not the standard (the standard fixes no hour values).
create table time_limit (
  id           serial primary key,
  kind         text not null check (kind in ('component', 'matter', '*')),
  pattern      text not null check (pattern ~ '^([0-9]{2}|[0-9]{5}|\*)$'),
  condition    text not null default '',
  hours_a      numeric not null check (hours_a > 0),
  hours_b      numeric not null check (hours_b > 0),
  hours_c      numeric not null check (hours_c > 0),
  close_condition text not null default '',
  unique (kind, pattern, condition)
);

-- Limits of the centre's own stages, in working minutes (受理, 核实, 立案, 派遣, 核查, 结案).
create table stage_limit (
  stage   text primary key,
  minutes numeric not null check (minutes > 0)
);

-- The working calendar: one row holding working hours per weekday, holidays and make-up workdays (调休).
create table work_calendar (
  id         integer primary key check (id = 1),
  definition jsonb not null,
  updated_at timestamptz not null default now()
);

-- Professional departments (专业部门), including street offices (街道办) that take what no rule covers.
create table department (
  code          text primary key check (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  name          text not null check (length(name) between 1 and 100),
  parent_code   text references department(code),
  kind          text not null,
  contact       text not null default '',
  phone         text not null default '',
  -- 属地兜底: this department takes reports that no rule covers inside this region (street or district code;
  -- '' = everywhere, the last resort). At most one department per region.
  fallback_for  text unique check (fallback_for ~ '^([0-9]{6}|[0-9]{9})?$'),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

-- Bumped on every change to rules, departments, area classes, collector areas and on grid imports; each case
-- records the version its assignment was computed with.
create table assignment_version (
  id      integer primary key check (id = 1),
  version bigint not null,
  updated_at timestamptz not null default now()
);
insert into assignment_version (id, version) values (1, 1);

-- Responsibility rules (责权库): category pattern × area → department.
create table resp_rule (
  id              serial primary key,
  name            text not null default '',
  category_kind   text check (category_kind in ('component', 'matter')),   -- null = both kinds
  category_pattern text not null default '*' check (category_pattern ~ '^([0-9]{2}|[0-9]{5}|\*)$'),
  area_kind       text not null check (area_kind in ('anywhere', 'polygon', 'regions')),
  area_codes      text[] not null default '{}',
  area_geom       geometry(MultiPolygon, 4326),
  area_m2         double precision,                                          -- null = anywhere (largest)
  department_code text not null references department(code),
  priority        integer not null default 0,
  valid_from      date,
  valid_to        date,
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  check ((area_kind = 'polygon') = (area_geom is not null)),
  check (area_kind <> 'regions' or cardinality(area_codes) > 0),
  check (valid_to is null or valid_from is null or valid_to >= valid_from)
);
create index resp_rule_geom on resp_rule using gist (area_geom);

-- Area classes A (core) / B / C (general) as polygons or sets of region/grid codes. Unlisted places are C.
create table area_class_zone (
  id         serial primary key,
  name       text not null,
  class      char(1) not null check (class in ('A', 'B', 'C')),
  area_kind  text not null check (area_kind in ('polygon', 'regions')),
  area_codes text[] not null default '{}',
  area_geom  geometry(MultiPolygon, 4326),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((area_kind = 'polygon') = (area_geom is not null)),
  check (area_kind <> 'regions' or cardinality(area_codes) > 0)
);
create index area_class_zone_geom on area_class_zone using gist (area_geom);

-- Collectors (监督员) and their responsibility areas (监督员责任网格): named groups of unit grids.
create table collector (
  id       serial primary key,
  code     text not null unique check (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  name     text not null,
  phone    text not null default '',
  user_id  integer references app_user(id)
);
create table collector_area (
  id            serial primary key,
  name          text not null unique,
  grid_codes    text[] not null check (cardinality(grid_codes) > 0),
  collector_ids integer[] not null default '{}',
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index collector_area_grids on collector_area using gin (grid_codes) with (fastupdate = off);

-- Components (管理部件) that reports may name; the census proper is a later capability.
create table component (
  code            text primary key check (code ~ '^[0-9]{16}([0-9])?$'),
  category_code   char(5) not null,
  name            text not null default '',
  owner_code      text references department(code),      -- 主管部门
  maintainer_code text references department(code),      -- 养护单位
  status          text not null default '完好',
  geom            geometry(Point, 4326),
  category_kind   text not null default 'component' check (category_kind = 'component'),
  foreign key (category_kind, category_code) references category(kind, code)
);

-- Users may belong to a department (department handlers work that department's queue).
alter table app_user add column department_code text references department(code);

-- Cases (案件). Location is stored in WGS84/CGCS2000 (lon, lat, geom) with the original input kept.
create table case_record (
  id               bigint primary key,
  case_no          text not null unique,
  channel          text not null,
  category_kind    text not null,
  category_code    char(5) not null,
  condition        text not null default '',
  description      text not null,
  address          text not null default '',
  lon              double precision not null,
  lat              double precision not null,
  geom             geometry(Point, 4326) not null,
  input_crs        text not null,
  input_lon        double precision not null,
  input_lat        double precision not null,
  component_code   text,
  photos           jsonb not null default '[]',
  reporter         jsonb not null default '{}',
  client_time      timestamptz,
  reported_at      timestamptz not null default now(),
  created_by       integer references app_user(id),
  state            text not null,
  parked_from      text,
  outside_coverage boolean not null default false,
  grid_code        text,
  community_code   text,
  street_code      text,
  district_code    text,
  area_class       char(1) not null,
  collector_area_id integer,
  department_code  text references department(code),          -- null only when no rule and no fallback exist
  rule_id          integer,
  rule_version     integer,
  assignment       jsonb not null,
  assignment_version bigint not null,
  stage_deadline   timestamptz,
  dispose_deadline timestamptz,
  urge_count       integer not null default 0,
  rework_count     integer not null default 0,
  duplicates       jsonb not null default '[]',                 -- suggested duplicates at intake
  idempotency_key  text unique,
  request_hash     text,
  closed_at        timestamptz,
  updated_at       timestamptz not null default now(),
  foreign key (category_kind, category_code) references category(kind, code)
);
create sequence case_record_id_seq owned by case_record.id;
create index case_record_geom on case_record using gist (geom);
create index case_record_state on case_record (state, stage_deadline);
create index case_record_department on case_record (department_code, state);
create index case_record_reported on case_record (reported_at);
create index case_record_open_geom on case_record using gist (geom) where closed_at is null and state <> 'voided';

-- The case history: one row per transition, appended in the same transaction as the state change; never edited.
create table case_event (
  id         bigserial primary key,
  case_id    bigint not null references case_record(id),
  at         timestamptz not null default now(),
  actor_id   integer references app_user(id),
  actor_name text not null,
  action     text not null,
  from_state text,
  to_state   text not null,
  note       text not null default '',
  deadline   timestamptz,
  detail     jsonb not null default '{}'
);
create index case_event_case on case_event (case_id, id);

create function case_event_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'case_event is append-only: % is not allowed', tg_op;
end $$;
create trigger case_event_no_update before update or delete on case_event
  for each row execute function case_event_append_only();

insert into tile_layer_version (layer) values ('cases') on conflict do nothing;
