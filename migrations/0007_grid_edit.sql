-- Editing unit grids and boundaries (构建与维护): versions that follow a code across its rows (the ETag of a grid or
-- region), the changes that started and ended rows (history), and drafts — change sets invisible to routing and
-- tiles until published. A draft holds its own copies of the features it changes (grid_draft_feature); each edit is
-- a step, and undoing the last step deletes the copies it wrote and brings back the ones it superseded.

-- A code's version counts its rows: the new row of an edit gets the old row's version + 1.
alter table unit_grid add column version integer not null default 1;
alter table region    add column version integer not null default 1;

-- A published change: one direct edit, or a draft's steps at once. Rows record the change that started / ended them
-- (null: an import or the initial load).
create table grid_change (
  id         bigserial primary key,
  at         timestamptz not null default now(),
  actor_id   integer references app_user(id),
  actor_name text not null,
  draft_id   bigint,
  draft_name text,
  ops        jsonb not null
);
alter table unit_grid add column started_by bigint references grid_change(id),
                      add column ended_by   bigint references grid_change(id);
alter table region    add column started_by bigint references grid_change(id),
                      add column ended_by   bigint references grid_change(id);
create index unit_grid_code_history on unit_grid (code, id);
create index region_code_history on region (code, id);

create table grid_draft (
  id            bigserial primary key,
  name          text not null check (length(name) between 1 and 100),
  created_by    integer references app_user(id),
  created_by_name text not null,
  -- The drafting editor's region scope when created: the draft's edits must stay inside it.
  region_scope  text not null default '',
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  version       integer not null default 1,
  -- A direct edit's one-step draft, published and deleted in the same transaction (never listed).
  direct        boolean not null default false
);

create table grid_draft_step (
  draft_id bigint not null references grid_draft(id) on delete cascade,
  seq      integer not null,
  op       text not null,
  params   jsonb not null,
  summary  jsonb not null default '{}'::jsonb,
  at       timestamptz not null default now(),
  primary key (draft_id, seq)
);

-- The draft's copy of a feature: geom null = the code ends (retired, merged away, moved to another code).
-- base_id = the live row it replaces (null for a new code). superseded_step = the later step that replaced this copy.
create table grid_draft_feature (
  id              bigserial primary key,
  draft_id        bigint not null references grid_draft(id) on delete cascade,
  step            integer not null,
  level           text not null check (level in ('district', 'street', 'community', 'grid')),
  code            text not null,
  name            text not null,
  geom            geometry(MultiPolygon, 4326),
  base_id         bigint,
  superseded_step integer
);
create unique index grid_draft_feature_current on grid_draft_feature (draft_id, level, code) where superseded_step is null;
create index grid_draft_feature_geom on grid_draft_feature using gist (geom);
