-- The component census (部件普查, GB/T 47678.5 表2). `component` holds the live row of every component (one per code);
-- an edit or a census update ends that row by copying it into component_history (with the period it was valid) and
-- starts the new one (version + 1, valid_from = now). A deleted component's last row goes to history too.

-- Census department codes and names are kept as given: a census may name departments this platform does not know
-- (a warning at import). Routing uses a code only when it names a department (server/assign/match.ts).
alter table component drop constraint if exists component_owner_code_fkey;
alter table component drop constraint if exists component_maintainer_code_fkey;
-- A component is a point, or a line or polygon where its class is one (a fence, a green belt).
alter table component alter column geom type geometry(Geometry, 4326) using geom;
alter table component
  add column owner_name       text not null default '',             -- 主管部门名称 (owner_code: 主管部门代码)
  add column title_code       text,                                  -- 权属单位代码
  add column title_name       text not null default '',             -- 权属单位名称
  add column maintainer_name  text not null default '',             -- 养护单位名称 (maintainer_code: 养护单位代码)
  add column initial_date     date,                                  -- 初始日期
  add column change_date      date,                                  -- 变更日期
  add column data_source      text not null default '',             -- 数据来源 (实测, 地形图, …)
  add column note             text not null default '',             -- 备注
  add column accuracy         char(1) check (accuracy in ('A', 'B', 'C')),  -- positioning accuracy class
  add column photos           jsonb not null default '[]',
  add column extras           jsonb not null default '{}',           -- local attributes beyond the standard
  -- Derived from the position by the boundary rule (server/grids/locate.ts), re-derived when grids change.
  add column grid_code        text,
  add column community_code   text,
  add column street_code      text,
  add column district_code    text,
  -- 所在单元网格 as given by the census when it differed from the derived one.
  add column given_grid_code  text,
  add column valid_from       timestamptz not null default now();
update component set status = '完好' where status not in ('完好', '破损', '丢失', '废弃', '移除');
alter table component add constraint component_status check (status in ('完好', '破损', '丢失', '废弃', '移除'));
update component c set (grid_code, community_code, street_code, district_code) = (
  select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
  where u.termination_date is null and ST_Covers(u.geom, ST_PointOnSurface(c.geom))
  order by u.code limit 1)
  where c.geom is not null;
update component set district_code = left(code, 6) where district_code is null;
create index component_geom on component using gist (geom);
create index component_class on component (category_code);
create index component_grid on component (grid_code);
create index component_community on component (community_code);

create table component_history (
  id          bigserial primary key,
  code        text not null,
  version     integer not null,
  attrs       jsonb not null,          -- every column of the ended row but geom
  geom        geometry(Geometry, 4326),
  valid_from  timestamptz not null,
  valid_to    timestamptz not null,
  ended_by    text not null check (ended_by in ('edit', 'import', 'delete'))
);
create index component_history_code on component_history (code, valid_to);

insert into tile_layer_version (layer) values ('components') on conflict do nothing;

-- Reports of a component class: the nearest components of that class at intake (for the dispatcher to link one).
alter table case_record add column component_suggestions jsonb not null default '[]';
