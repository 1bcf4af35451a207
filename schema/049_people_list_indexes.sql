-- 049: the residents list at city scale (issue 21). The list's conditions are now
-- written only when given, each a plain comparison, so a tail search reads its own
-- index instead of every resident of the subtree: the keyed hashes of the last four
-- characters (never the characters), with the id that orders the page. A city's
-- search then reads the few hundred residents with that hash, a district's the same
-- and keeps its own (docs/decisions.md, "Query plans at city scale: people lists").
CREATE INDEX person_id_tail_hash ON person (id_tail_hash, id);
CREATE INDEX person_phone_tail_hash ON person (phone_tail_hash, id);
