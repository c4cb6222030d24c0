-- Evaluation (综合评价).
-- Whether a case was disposed on time compares its 处置反馈 (dispose) events with the disposal deadline then in force:
-- probed in this small index (index-only), once per disposed case, not by a scan of the whole history.
create index case_event_dispose on case_event (case_id, id) include (at) where action = 'dispose';
-- The people tables read the histories of a period's cases; no event precedes its case's report, so `at >= from`
-- lets this block-range index skip the history before the period (events are appended roughly in time order).
create index case_event_at on case_event using brin (at);
