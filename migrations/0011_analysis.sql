-- Hot spot analysis (server/analysis): the cases counted per unit and period are read from this index alone (an
-- index-only scan of the period instead of a scan of every case): not voided, inside the coverage, located.
create index case_record_analysis on case_record (reported_at)
  include (grid_code, community_code, category_kind, category_code)
  where state <> 'voided' and not outside_coverage and not needs_location;
