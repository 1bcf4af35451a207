-- 043: meetings of a party organisation (三会一课, 主题党日, 组织生活会),
-- docs/party-meetings.md.
--
-- A meeting: its party organisation (and that organisation's node, copied so
-- that scope and figures read one join), kind, day, place, topic, host,
-- recorder, minutes and resolutions; votes 1 for a 支部党员大会 that votes
-- (its quorum is then counted). token: the random code its QR code carries
-- for signing in (never the id). Photos are attachments (owner party_meeting).
CREATE TABLE party_meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    kind TEXT NOT NULL CHECK (kind IN ('branch_assembly', 'committee', 'group', 'lecture', 'theme_day', 'life_meeting')),
    held_on TEXT NOT NULL,                 -- YYYY-MM-DD
    place TEXT,
    topic TEXT NOT NULL,
    host TEXT,
    recorder TEXT,
    minutes TEXT,
    resolutions TEXT,
    votes INTEGER NOT NULL DEFAULT 0 CHECK (votes IN (0, 1)),
    token TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- covering the compliance count: an organisation's meetings of a year by kind
CREATE INDEX party_meeting_party_org ON party_meeting (party_org_id, held_on, kind);
CREATE INDEX party_meeting_org ON party_meeting (org_id, held_on);

-- The roll: the party organisation's members when the meeting was recorded
-- (and any member who signs in later), each with full 1 for a 正式党员 then
-- (entitled to vote) and 0 for a 预备党员, and their attendance: present,
-- leave (请假, with its reason) or absent. signed_at: when they signed in on
-- their phone (NULL: recorded by staff).
CREATE TABLE party_meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES party_meeting(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    full_member INTEGER NOT NULL CHECK (full_member IN (0, 1)),
    status TEXT NOT NULL DEFAULT 'absent' CHECK (status IN ('present', 'leave', 'absent')),
    reason TEXT,
    signed_at INTEGER,
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX party_meeting_attendance_person ON party_meeting_attendance (person_id, meeting_id);
