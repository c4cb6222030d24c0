-- Intake by address (hotline calls): a report may arrive with an address and no position. The address is geocoded;
-- an unambiguous best candidate places the case (location_source 'geocoded', the score and candidates in geocode);
-- otherwise the case is stored without a position, with its candidates, and flagged needs_location until a
-- dispatcher places it (POST /api/cases/{id}/location → location_source 'placed').
alter table case_record
  alter column lon drop not null,
  alter column lat drop not null,
  alter column geom drop not null,
  alter column input_lon drop not null,
  alter column input_lat drop not null,
  add column needs_location boolean not null default false,
  add column location_source text not null default 'reported'
    check (location_source in ('reported', 'component', 'geocoded', 'placed')),
  add column address_source text not null default 'reported' check (address_source in ('reported', 'reverse')),
  add column geocode jsonb,
  add constraint case_located check (needs_location = (geom is null));
create index case_record_needs_location on case_record (id) where needs_location;
