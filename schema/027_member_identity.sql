-- 027: who an account is, and the service records of issue 16
-- (docs/service-records.md).
--
-- An account may be a resident's own (a party member claiming a service post, a
-- resident posting a 微心愿): person_id names the person. At most one account per
-- person; deleting the person leaves the account without one.
ALTER TABLE app_user ADD COLUMN person_id INTEGER REFERENCES person(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX app_user_person ON app_user (person_id);

-- 服务记录: an in-service member's service to the community they reported to.
-- Times are the service's own (travel excluded by the form), in minutes of the
-- day; a member's records of one day may not overlap. Hours count only once
-- verified.
CREATE TABLE service_record (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),        -- the community served
    person_id INTEGER NOT NULL REFERENCES person(id),  -- the member who served
    served_on TEXT NOT NULL,                           -- YYYY-MM-DD, Asia/Shanghai
    start_min INTEGER NOT NULL CHECK (start_min >= 0 AND start_min < 1440),
    end_min INTEGER NOT NULL CHECK (end_min > start_min AND end_min <= 1440),
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    content TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('post', 'wish', 'manual')),
    source_id INTEGER,                                 -- the post claim or wish it came from
    verified_by INTEGER REFERENCES app_user(id),
    verified_at INTEGER,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX service_record_person ON service_record (person_id, served_on, start_min);
CREATE INDEX service_record_org ON service_record (org_id, served_on, id);
