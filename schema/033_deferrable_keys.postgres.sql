-- 033, PostgreSQL part: the foreign keys that columns added by ALTER TABLE
-- brought (user_grant.unit_id in 004, problem.review_reporter_id in 026,
-- app_user.person_id in 027) were created not deferrable, unlike every other
-- (the DDL's translation closed a REFERENCES clause only at ',' or ')', not at
-- the statement's end). copy-data loads tables by name and defers the keys to
-- its commit, so an account linked to a resident (app_user before person)
-- could not be copied. They are deferrable now, checked at once as before.
ALTER TABLE user_grant ALTER CONSTRAINT user_grant_unit_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE problem ALTER CONSTRAINT problem_review_reporter_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE app_user ALTER CONSTRAINT app_user_person_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
