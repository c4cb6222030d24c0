-- The rows a grid change ended and started, found by the change: after publishing, only the open cases inside them
-- are placed again (reassignOpenCases' `changes`).
create index unit_grid_started_by on unit_grid (started_by) where started_by is not null;
create index unit_grid_ended_by on unit_grid (ended_by) where ended_by is not null;
create index region_started_by on region (started_by) where started_by is not null;
create index region_ended_by on region (ended_by) where ended_by is not null;

-- unit_grid.code is char(15); the grid editor's view and the text[] code lists compare it as text: an index on that
-- expression lets those lookups use an index (without it, each scanned every live grid: ~35 ms at 100k grids).
create index unit_grid_live_code_text on unit_grid ((code::text)) where termination_date is null;
