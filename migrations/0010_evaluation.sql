-- Evaluation (综合评价): whether a case was disposed on time compares the time of its last 处置反馈 (dispose) with the
-- disposal deadline then in force. The time comes from this small index alone (an index-only scan, in case order),
-- not from a scan of the whole history.
create index case_event_dispose on case_event (case_id, id) include (at) where action = 'dispose';
