-- Case exchange (数据交换): the collector (监督员) who made a report, by code. Imported histories name it
-- (collector_code of the exchange format) without a user account behind it; intake sets it from the reporting
-- collector's account. No foreign key: a case's history outlives the collector's record.
alter table case_record add column collector_code text;
update case_record c set collector_code = k.code from collector k where k.user_id = c.created_by;
