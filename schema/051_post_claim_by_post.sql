-- 051: a service post's claims by state. The claims figures count each post's
-- attended claims (a correlated count per post); the only index that led with
-- post_id was partial (state <> 'withdrawn'), which a count of state = 'attended'
-- cannot use, so each post's count read every claim of the city: 209 s for the
-- city root's figures on the 9.8M-resident demo city (22,817 posts, 45,193 claims).
CREATE INDEX post_claim_post_state ON post_claim (post_id, state);
