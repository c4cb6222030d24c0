-- Optimistic concurrency: every editable resource carries a version, bumped by each write through the write path
-- (server/db/write.ts). The API shows it as the ETag and honours If-Match on PATCH/PUT/DELETE (412 when stale).
alter table department       add column version integer not null default 1;
alter table area_class_zone  add column version integer not null default 1;
alter table collector        add column version integer not null default 1;
alter table collector_area   add column version integer not null default 1;
alter table component        add column version integer not null default 1;
alter table work_calendar    add column version integer not null default 1;
alter table app_user         add column version integer not null default 1;
-- resp_rule.version exists since 0002 (cases record the rule version their assignment used).
-- Cases: every workflow action and re-assessment bumps it, so two dispatchers' 改派 of one case cannot both win.
alter table case_record      add column version integer not null default 1;

-- Versions of resources that are whole tables rather than rows (the time-limit table with its stage limits).
create table resource_version (
  name       text primary key,
  version    integer not null default 1,
  updated_at timestamptz not null default now()
);
insert into resource_version (name) values ('time_limits');

-- The region a department belongs to (a street's 城管执法中队 → the street; a city bureau → '' = the whole city).
-- Scoped editors manage the departments of their region only; a department's 属地兜底 region lies inside it.
alter table department add column region_code text not null default '' check (region_code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})?$');
update department set region_code = fallback_for where fallback_for is not null;
