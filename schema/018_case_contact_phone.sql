-- 018: a case's contact phone (联系电话), a resident's number to call back: encrypted
-- under the PII key (field "case.contact_phone") with the masked form beside it for
-- display (139****5678), like a person's phone. Reports that carried none keep NULL.
-- Personal numbers typed into a case's title, description or notes are masked on
-- intake from now on (src/api/cases.c); rows stored before keep their text as typed.
ALTER TABLE casefile ADD COLUMN contact_phone_enc TEXT;
ALTER TABLE casefile ADD COLUMN contact_phone_masked TEXT;
