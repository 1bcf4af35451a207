/* What the residents' files share: person.c (persons, their tags and ID numbers)
 * and person_io.c (import and export). Include it from those files only. */
#ifndef JICENG_API_PERSON_H
#define JICENG_API_PERSON_H

#include "api/internal.h"
#include "core/idcard.h"
#include "lib/pii.h"

/* The filters of the residents' list, shared by its export: the subtree (org,
 * within the caller's scope), household, name prefix (q), ID and phone tails (by
 * their keyed hashes), an exact ID number or phone (by its keyed hash) and a tag.
 * id_guess: an exact ID number or phone asked by a caller who may not reveal over the
 * subtree, which confirms or refutes a guess: audited and limited per user. */
typedef struct person_filter {
    char lo[ACCESS_PATH_MAX], hi[ACCESS_PATH_MAX];
    int64_t household, node; /* node: the subtree asked for, before an ID number narrows it */
    char *prefix, *id_tail, *phone_tail, *tag;
    char hash[PII_HASH_HEX + 1];
    char phone_hash[PII_HASH_HEX + 1]; /* an exact phone (by_phone) */
    int by_id_card, by_phone, id_guess;
    const char *guess_field; /* id_guess: the parameter that made it ("id_card" or "phone") */
} person_filter_t;

/* The WHERE clause of the filters (persons p joined with their org o), its
 * parameter types and its arguments, in the same order. */
#define PERSON_FILTER_SQL                                                                                              \
    " o.path >= ? AND o.path < ?"                                                                                      \
    " AND (CAST(? AS TEXT) IS NULL OR p.name LIKE ? ESCAPE '\\')"                                                      \
    " AND (CAST(? AS TEXT) IS NULL OR p.id_tail_hash = ?)"                                                             \
    " AND (CAST(? AS TEXT) IS NULL OR p.phone_tail_hash = ?)"                                                          \
    " AND (CAST(? AS TEXT) IS NULL OR p.id_card_hash = ?)"                                                             \
    " AND (CAST(? AS TEXT) IS NULL OR p.phone_hash = ?)"                                                              \
    " AND (? = 0 OR p.household_id = ?)"                                                                               \
    " AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM person_tag t WHERE t.person_id = p.id AND t.tag = ?))"
#define PERSON_FILTER_TYPES "ttttttttttttiitt"
#define PERSON_FILTER_ARGS(f)                                                                                          \
    (f)->lo, (f)->hi, (f)->prefix, (f)->prefix, (f)->id_tail, (f)->id_tail, (f)->phone_tail, (f)->phone_tail,          \
        (f)->by_id_card ? (f)->hash : NULL, (f)->by_id_card ? (f)->hash : NULL,                                        \
        (f)->by_phone ? (f)->phone_hash : NULL, (f)->by_phone ? (f)->phone_hash : NULL, (f)->household, (f)->household, \
        (f)->tag, (f)->tag

/* Free what the filters hold; f is zeroed. */
void person_filter_free(person_filter_t *f);

/* Delete person id (at org) in the write's transaction, with its figures. field
 * NULL: a single delete, audited as person.deleted; else one of a batch (audited
 * by the caller as one row), and a refusal names field. 0, or -1 with rep set
 * (409 for a service contract's beneficiary or a post holder). */
int person_remove(db_t *db, const write_ctx_t *w, int64_t id, int64_t org, const char *field, api_reply_t *rep);
/* Read the filters from the query, checking the subtree against perm. 0, or -1
 * with rep set (400 naming the parameter, 404 for an org out of scope). */
int person_filter_read(api_req_t *req, uint32_t perm, person_filter_t *f, api_reply_t *rep);

/* A person's input, as persons.create and persons.update declare it
 * (person_create_fields, person_update_fields: the same first fields, in the
 * order of PI_*) and an imported row fills it (typed input, api.h). */
typedef struct person_in {
    uint64_t given;
    const json_t *tags;   /* tag codes */
    int64_t org_id, household_id;
    const char *relation, *name;
    const char *id_card, *phone; /* personal: never in an audit row, a log line or an answer */
    const char *gender, *birth_date; /* create: checked against the ID number, which alone is stored */
    int64_t version;      /* update */
} person_in_t;
enum { PI_TAGS, PI_ORG, PI_HOUSEHOLD, PI_RELATION, PI_NAME, PI_ID_CARD, PI_PHONE };
extern const field_t person_create_fields[];

/* Check a new person (an imported row) as a create's body is checked: the
 * declared fields, then the family's rules (known tags, the ID number). 0 with
 * *in filled from person (which must outlive it), or -1 with rep filled (400). */
int person_check_new(const api_req_t *req, const json_t *person, person_in_t *in, api_reply_t *rep);
/* An ID number as it is stored, hashed and compared: a check character x
 * written X. */
void person_id_card_norm(char out[IDCARD_LEN + 1], const char *id);
/* Insert a validated person; input is the input as it came (the audit
 * summary). DB_OK with *id, DB_UNIQUE if the ID number is registered already,
 * else an error. */
int person_insert(db_t *db, const write_ctx_t *w, const person_in_t *in, const json_t *input, int64_t *id);
/* A registration of an ID number that person holds at holder, outside what the
 * caller may see: audited for the holding org (via: "create", "import"...). */
int person_elsewhere_audit(db_t *db, const write_ctx_t *w, int64_t person, int64_t holder, int64_t target,
                           const char *via);
/* The answer to registering an ID number held outside the caller's scope (409). */
void person_elsewhere_error(api_reply_t *rep, const char *lang);

/* The query parameters of the residents list, which its export takes too. */
#define PERSON_FILTER_QUERY                                                                                            \
    {"org", F_INT, 0, 1, INT64_MAX, NULL, 0}, {"household", F_INT, 0, 1, INT64_MAX, NULL, 0},                        \
        {"q", F_TEXT, 0, 0, 0, NULL, 0}, {"id_tail", F_TEXT, 0, 4, 4, NULL, 0},                                       \
        {"phone_tail", F_TEXT, 0, 4, 4, NULL, 0}, {"tag", F_TEXT, 0, 0, 0, NULL, 0},                                  \
        {"id_card", F_TEXT, 0, 0, 0, NULL, 0}, {"phone", F_TEXT, 0, 0, 0, NULL, 0}

#endif
