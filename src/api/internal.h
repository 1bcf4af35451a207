/* Helpers shared between the API modules (and the CLI, which calls the same
 * write functions as the HTTP handlers). */
#ifndef JICENG_API_INTERNAL_H
#define JICENG_API_INTERNAL_H

#include "api/yfig.h"
#include "api/api.h"
#include "core/geo_shape.h"
#include "core/password.h"
#include "lib/pii.h"

/* The public view of a user: id, username, display_name, org, flags, and with
 * details its grants and permission names. NULL if missing or on error. */
json_t *user_json(db_t *db, int64_t user_id, int details);

/* Hash a password for storage (argon2id). 0 or -1 (out of memory). out has
 * crypto_pwhash_STRBYTES bytes. */
int password_hash(char *out, const char *password);
/* 1 if password matches the stored hash. */
int password_verify(const char *stored, const char *password);
/* Fill rep with the answer to a password that lib/pwcheck.h refused for
 * reason: 400 weak_password naming field, with error.reason the reason and a
 * message saying what is wrong (never the password). Returns 0. */
int password_refused_reply(const char *lang, const pw_policy_t *policy, const char *field, const char *reason,
                           api_reply_t *rep);
/* What is wrong with a password refused for reason, for its owner, in lang
 * ("en" or zh-CN), into out (cap bytes, 200 are enough): the CLI's message. */
void password_refusal_text(char *out, size_t cap, const pw_policy_t *policy, const char *reason, const char *lang);
/* Check password against the whole policy (lib/pwcheck.h; username is not to
 * be in it, may be NULL) and hash it, on the hashing pool; then hand data (the
 * input without the password) to the writer's write, the hash beside it as
 * w->in (a string). A refused password answers as password_refused_reply.
 * Takes data. Returns what api_offload does. */
int password_offload_write(api_req_t *req, api_reply_t *rep, const char *password, const char *username,
                           const char *field, write_fn write, json_t *data);

/* Write functions the CLI calls too. data is the validated input (a user's
 * without its password), w->id the user of update, grant and revoke (revoke's
 * grant in data), w->in a new password's hash (a string) or NULL. */
int user_create_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);
int user_update_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);
int user_grant_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);
int user_revoke_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);

/* The fixed vocabularies the validators accept (NULL-terminated), each kept
 * once in its family's file; GET /api/v1/enums serves them. */
extern const char *const org_levels[];            /* org.c: orgs' level */
extern const char *const unit_types[];            /* unit.c: units' type */
extern const char *const party_org_kinds[];       /* party_org.c: party organisations' kind */
extern const char *const party_member_statuses[]; /* party_member.c: party members' status */
extern const char *const cadre_posts[];           /* cadre.c: cadres' post */
extern const char *const person_relations[];      /* person.c: residents' relation to the head */
extern const char *const person_genders[];        /* person.c: residents' gender */
extern const char *const case_sources[];          /* case.c: cases' source */
extern const char *const case_ratings[];          /* case_action.c: a rating's words */
extern const char *const user_langs[];            /* users.c: users' lang */
extern const char *const transfer_boxes[];        /* transfer.c: ?box= of the requests */
extern const char *const transfer_statuses[];     /* transfer.c: ?status= of the requests */
extern const char *const norm_keys[];             /* norm.c: the norms' keys */
extern const char *const audit_actions[];         /* audit.c: every action the audit log holds (audit_actions.def) */
/* ---- duty lists (责任清单) ---- */
extern const char *const duty_ratings[];          /* duty.c: a quarterly review's rating */
/* ---- end duty lists ---- */

/* The value of norm key that applies at org in year (the nearest issuer at or
 * above org, its latest year_from <= year): DB_OK with *value (a new
 * reference), DB_NOTFOUND when none does, or an error. */
int norm_get(db_t *db, const char *key, int64_t org, int year, json_t **value);
/* For many nodes at once: the norms of key in force in year, each with its
 * issuer's path, nearest issuer first (NULL on an error; the caller frees it),
 * and of them the one that applies at the node of path (borrowed from issued,
 * its value parsed), or NULL: the same rule as norm_get, read once. */
json_t *norm_issued(db_t *db, const char *key, int year);
const json_t *norm_at_path(const json_t *issued, const char *path);
/* The demo city's norms (jiceng demo). */
int norm_demo(db_t *db, const write_ctx_t *w);

/* ---- duty lists (责任清单) ---- */
/* The demo city's duty lists: a year of lists for every district and street
 * secretary (the secretaries made from residents there when none exist),
 * deterministic from seed (jiceng demo). */
int duty_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end duty lists ---- */
/* A workflow operation that hands its validated body, as it came, to write fn
 * (kept: a failed group gets it back). Duty lists and problems. */
#define DEFER_BODY(name, fn)                                                                                           \
    static int name(api_req_t *req, api_reply_t *rep)                                                                  \
    {                                                                                                                  \
        (void)rep;                                                                                                     \
        json_t *data = req->body;                                                                                      \
        req->body = NULL;                                                                                              \
        return api_defer_kept(req, fn, data);                                                                          \
    }

/* A move of a workflow (a duty list, a problem): the action (one of the
 * family's, the F_ENUM's list), a reason (a return's), the version. */
typedef struct {
    uint64_t given;
    const char *action;
    const char *reason;
    int64_t version;
} move_in_t;
#define MOVE_FIELDS(actions)                                                                                           \
    IN(move_in_t, action, F_ENUM, 1, 0, 0, actions), IN(move_in_t, reason, F_BLOCK, 0, 1, 1000, NULL),                \
        IN(move_in_t, version, F_INT, 1, 1, INT64_MAX, NULL)

/* GET /api/v1/<family>-figures?org=&year=: fn's figures of the node's subtree
 * for the year (default this year), with each child's, under perm. fn answers
 * the figures of [lo, hi) for year (today: "YYYY-MM-DD") as the caller sees
 * them, or NULL. */
typedef json_t *(*subtree_figures_fn)(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                      const char *today);
int api_subtree_figures(api_req_t *req, api_reply_t *rep, uint32_t perm, subtree_figures_fn fn);
/* A figure's rate: part / whole, null when whole is 0. */
json_t *json_rate(int64_t part, int64_t whole);
/* Its query: org (required), year. */
extern const field_t subtree_figures_query[];
/* The same answer for a node the caller may read (lo its path): NULL on an error. */
json_t *subtree_figures(db_t *db, const principal_t *who, int64_t org, const char *lo, int64_t year,
                        subtree_figures_fn fn);
/* The figures of each family for a node and year (the dashboard's 责任落实 and its
 * workbook, respfig.c): duty.c, problem.c, inspection.c, notice.c, review.c, assess.c. */
json_t *duty_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                        const char *today);
json_t *problem_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                           const char *today);
json_t *inspection_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                              const char *today);
json_t *notice_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today);
json_t *review_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today);
json_t *assess_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today);

/* ---- rectification problems (问题清单): problem.c ---- */
extern const char *const problem_sources[];       /* problem.c: a problem's source */
extern const char *const problem_severities[];    /* problem.c: a problem's severity */
extern const char *const inspection_types[];      /* inspection.c: an inspection's type */
extern const char *const inspection_results[];    /* inspection.c: a checklist item's result */
extern const struct tx_hooks problem_supervision_hooks; /* problem.c: 督办 of overdue problems */
/* The inbox's part of problems: open ones overdue or under 督办 that concern
 * the caller's nodes or are supervised there: {count, items} (new), or NULL. */
json_t *problem_inbox(db_t *db, const principal_t *who);
/* ---- membership transfers (组织关系转接, party_transfer.c) ---- */
/* The inbox's part of transfers waiting for the caller's act: {count, items}, or NULL. */
json_t *party_transfer_inbox(db_t *db, const principal_t *who);
/* The transfer figures of [lo, hi) for year (api_subtree_figures). */
json_t *party_transfer_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                  const char *today);
/* The demo city's transfers, in every state, deterministic from seed (jiceng demo). */
int party_transfer_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
extern const char *const ptransfer_types[];
/* ---- end membership transfers ---- */
/* The demo city's inspections (each district: a 明查, a 暗访, published in
 * every other district, and a 日常督查 of two of its streets) and the
 * problems they found, in every state, some overdue under 督办; from seed. */
int rect_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end rectification problems ---- */
/* ---- notices (调度通报): notice.c ---- */
extern const char *const notice_kinds[];          /* notice.c: a notice's kind */
extern const char *const notice_boxes[];          /* notice.c: ?box= of the notices */
extern const char *const notice_receipt_states[]; /* notice.c: ?state= of a notice's receipts */
/* The inbox's part of notices: the caller's orgs' receipts still waiting
 * (unread, or a reply asked for and not given): {count, items} (new), or NULL. */
json_t *notice_inbox(db_t *db, const principal_t *who, int64_t now);
/* The demo city's notices and their receipts, partly read and replied (jiceng demo). */
int notice_demo(db_t *db, const write_ctx_t *w);

/* ---- 述职评议 (review.c) ---- */
extern const char *const review_ballot_grades[];  /* a ballot's grade: good ... poor, unknown */
extern const char *const review_session_states[]; /* open, closed */
/* The demo city's 述职评议: a closed, counted and confirmed session per district for last
 * year, its street secretaries reporting, 40 delegates voting (grades from the seed). */
int review_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 述职评议 ---- */

/* ---- annual assessment (年度综合考核): assess.c ---- */
extern const char *const assess_classes[];    /* a plan's target class */
extern const char *const assess_methods[];    /* a leaf's method */
extern const char *const assess_halves[];     /* party_building, development */
extern const char *const assess_run_states[]; /* computed, published, superseded */
extern const char *const assess_grades[];     /* the grades the bands name: excellent ... weak */
extern const char *const assess_grade_words[]; /* their words in a workbook: 优秀 ... 较差 */
/* Compute a new run (version) of plan from the records and the entered values:
 * DB_OK with *run, DB_NOTFOUND with *why (no norm applies, no indicator), or an error. */
int assess_run_compute(db_t *db, const write_ctx_t *w, int64_t plan, int64_t *run, err_t *why);
/* The demo city's assessment plans for its year (jiceng demo). */
int assess_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end annual assessment ---- */

/* ---- service posts and 微心愿 (claims.c) ---- */
extern const char *const post_categories[]; /* a service post's category */
extern const char *const wish_kinds[];      /* a wish's kind: 实物, 服务 */
extern const struct tx_hooks wish_expiry_hooks; /* claims held past wish.claim_days expire */
/* The posts and wishes of a node and year (claims-figures, 责任落实). */
json_t *claims_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                          const char *today);
/* The demo city's posts, claims, attendance and wishes in every state (jiceng demo), from seed. */
int claims_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end service posts and 微心愿 ---- */

/* The user fields as declared for validation (shared by the API and the CLI). */
extern const field_t user_create_fields[];

/* Verify the audit chain: DB_OK if intact; else DB_ERR with *bad_id the first
 * bad row (or the missing one) and msg explaining. rows_out counts rows read. */
int audit_verify(db_t *db, const unsigned char key[32], int64_t *bad_id, int64_t *rows_out, char *msg, size_t cap);

/* The verified chain's extent. */
typedef struct audit_tail {
    int64_t rows, last_id;
    char last_hash[65];
} audit_tail_t;

/* audit_verify, also giving the last row's id and MAC in tail. Besides each
 * row's MAC and link it checks the head's MAC (required once any row of MAC
 * format 2 exists), that the head names the last row, and that the log is not
 * empty (jiceng init always writes rows: an empty log was wiped). */
int audit_verify_tail(db_t *db, const unsigned char key[32], audit_tail_t *tail, int64_t *bad_id, char *msg,
                      size_t cap);

/* Decode a query component (percent-encoding, '+' as space; breaks: tab, CR and
 * LF allowed). A new string, or NULL if malformed (a bad escape, not UTF-8, a
 * control character). */
char *api_query_decode(const char *s, size_t n, int breaks);

/* 1 if s reads as a field or parameter name (a letter, then letters, digits and _,
 * at most 32 characters), and so may be echoed in an error's field. */
int api_name_like(const char *s);
/* 1 if s is one of choices (NULL-terminated; NULL holds none). */
int api_in_choices(const char *const *choices, const char *s);

/* Write the chain's head: the last row's id and MAC, and the head's own MAC
 * under key. DB_OK or a DB_* error. */
int audit_head_write(db_t *db, const unsigned char *key, int64_t id, const char *hash);

/* The write pipeline's hooks of the state modules keep (api/tx.h): org nodes and
 * the audit chain's head (common.c), the casework figure batch (casework.c), the
 * escalation of overdue cases (case_escalate.c). Registered by api_hooks_register. */
struct tx_hooks;
extern const struct tx_hooks org_cache_hooks, audit_head_hooks, casework_batch_hooks, case_escalation_hooks;

/* A copy of a summary fit for the audit log (what audit_append stores): under a
 * personal key (api_personal_key) a value becomes "(changed)" or "(removed)"
 * (a boolean fact, or a value already so written, stays); ID and phone numbers
 * in any other string are masked. New reference. */
json_t *audit_summary_redacted(json_t *v);

/* Schema 017: take out of the rows written before schema 012 (MAC format 1)
 * the personal data their summaries held (birth_date becomes birth_year, the
 * values of personal keys in an export's query string become "*", then
 * audit_summary_redacted), and seal the chain again from the first row changed:
 * each row's MAC in its own format, later rows' links, the head. Refuses
 * (DB_ERR, msg says why, nothing written) unless the whole chain verifies with
 * keys first. When it changed rows it appends an audit.resealed row saying how
 * many from which id at schema version schema, and verifies the chain again.
 * *redacted is the number of rows changed. Run inside the caller's transaction. */
int audit_reseal(db_t *db, const keys_t *keys, int schema, int64_t *redacted, char *msg, size_t cap);

/* An anchor of tail taken at now: JSON text (format, last_id, last_hash,
 * taken_at, mac) the caller frees. */
char *audit_anchor_text(const unsigned char key[32], const audit_tail_t *tail, int64_t now);

/* DB_OK if the anchor's MAC holds under key and the log still holds its row
 * with its MAC (so a chain that verifies extends it); else DB_ERR with msg. */
int audit_anchor_check(db_t *db, const unsigned char key[32], const char *anchor_text, char *msg, size_t cap);

/* Import a divisions CSV (code,name,level,kind,parent_code) for one city code.
 * Rows already present (same code) are left alone. Counts per level in counts
 * (city, district, street, community, village). 0 or -1 with msg. */
int divisions_import(db_t *db, const write_ctx_t *w, const char *csv_path, const char *city, int64_t counts[6],
                     int64_t *added, char *msg, size_t cap);

/* geo.c: store org's geometry (type Polygon, MultiPolygon or Point; geojson its
 * text) and its box, replacing any it had. DB_OK or the error. */
int geometry_store(db_t *db, int64_t org, const char *type, const char *geojson, geo_box_t box, int64_t now);

/* geo.c: load a GeoJSON FeatureCollection of district outlines (properties.code a
 * district's code already loaded, geometry a valid Polygon or MultiPolygon) into
 * org_geometry and its box. An outline stored as it is changes nothing; every
 * other is stored (audited as org.geometry_set). *loaded: features read;
 * *changed: outlines stored. 0 or -1 with msg (nothing to keep: the caller rolls back). */
int outlines_import(db_t *db, const write_ctx_t *w, const char *file, int64_t *loaded, int64_t *changed, char *msg,
                    size_t cap);

/* The stored outline of org_id (a Polygon or a MultiPolygon) as shapes made at
 * lat0, one a part, at most max, in out, and its box: how many (0 if it has
 * none), or -1 if GEOS failed. The caller frees them (geo_shape_free). */
int outline_shapes(db_t *db, geo_ctx_t *ctx, int64_t org_id, double lat0, geo_shape_t **out, size_t max,
                   geo_box_t *box);

/* person_io.c: the residents' import and export, shared by the HTTP handlers and
 * the CLI. req carries db, who, keys and lang, the query (import: org, mode,
 * dry_run; export: the list's filters, format, reveal) and, for the import, the
 * file's bytes in upload (CSV in UTF-8 or GBK, or XLSX, told by the bytes).
 * *data is set to the write's input when there is something to write: hand it
 * to person_import_write / person_export_write (which take it) in a
 * transaction. Otherwise *data is NULL and rep holds the whole answer (a dry
 * run's report, a refused file, 4xx). Returns 0, or -1 with rep set (some refusals, a database error).
 * progress may be NULL; the writes report theirs through w->progress. The
 * import reads the file's bytes only before its stage "check" begins (the
 * caller may let them go then). An
 * XLSX export's scratch files (unlinked as made) go in the directory of the
 * path scratch: the database's for the server, the target's for the CLI. */
/* person.c: the person registered with this ID number (any scope): DB_OK with *id and
 * their *org, DB_NOTFOUND, or an error. Matched by the keyed hash. */
int person_by_id_card(db_t *db, const keys_t *keys, const char *id_card, int64_t *id, int64_t *org);
/* Add (sign +1) or remove (-1) a person's contribution to the figures. */
int person_rollup(db_t *db, int64_t id, int sign);
/* The identity rules of an input: the ID number (checksum, date, region; a
 * check character x is taken as X), the gender and birth date agreeing with it,
 * the phone (any of them NULL: not given). 0, or -1 with rep set to 400
 * validation_failed naming the field. */
int person_check_identity(const char *lang, const char *id_card, const char *gender, const char *birth_date,
                          const char *phone, api_reply_t *rep);

int person_import_prepare(api_req_t *req, const progress_t *progress, json_t **data, api_reply_t *rep);
int person_import_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);
int person_export_prepare(api_req_t *req, const char *scratch, const progress_t *progress, json_t **data,
                          api_reply_t *rep);
/* The export's audit row (a reveal when revealed) and its file in rep->raw. */
int person_export_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);

/* A request context for code that runs outside HTTP (CLI), for validation replies. */
void api_req_cli(api_req_t *req, db_t *db);

/* org.c: 0 if the caller may change what the level above decides of node id
 * (its code, name, kind, parent, outline, its deletion: access_org_above),
 * else -1 with rep set to 403 forbidden naming field (may be NULL). */
int org_above_check(db_t *db, const write_ctx_t *w, int64_t id, const char *field, api_reply_t *rep);

/* audit.c: audit rows read as "at AS at_at, ..., summary" made answers: at as a
 * time, summary as the object it holds. */
void audit_rows_finish(json_t *items);

/* rollup.c: per-node figures of the whole subtree. */
int rollup_add(db_t *db, int64_t org_id, const char *figure, int64_t delta);
/* A node moved from under old_parent_path to under new_parent_path: its figures
 * leave the old ancestors and join the new ones. */
int rollup_move(db_t *db, int64_t node, const char *old_parent_path, const char *new_parent_path);
/* An org node, party organisation or unit added to (+1) or taken out of (-1)
 * the figures ("org.<level or kind>", "party_orgs[.<kind>]", "units[.<type>]"). */
int rollup_org_node(db_t *db, int64_t org_id, int sign);
int rollup_party_org(db_t *db, int64_t party_org_id, int sign);
int rollup_unit(db_t *db, int64_t unit_id, int sign);
/* {"figure": value, ...} of a node's subtree. */
json_t *rollup_figures(db_t *db, int64_t org_id);

/* party_member.c: add (+1) or remove (-1) a member's part of the figures. */
int party_member_rollup(db_t *db, int64_t person, int sign);

/* cache.c: per-thread answers of heavy reads until the next commit. key names
 * everything the answer depends on; check access before calling. */
int cache_reply(api_req_t *req, const char *key, api_reply_t *rep);  /* 1 if answered */
void cache_store(api_req_t *req, const char *key, const json_t *body); /* after cache_reply */
void cache_store_text(api_req_t *req, const char *key, char *text);   /* the same, text taken (freed) */

/* Today in Asia/Shanghai (the server's clock, test offset included):
 * yyyymmdd, and "YYYY-MM-DD" into out[16]. */
int api_today_ymd(void);
void date_today(char out[16]);
/* The units a user's unit grants name (unit_staff): "x IN (" UNITS_OF_USER ")" with the user's id. */
#define UNITS_OF_USER "SELECT g.unit_id FROM user_grant g WHERE g.user_id = ? AND g.unit_id IS NOT NULL"
/* The day (YYYY-MM-DD) of epoch second t in Asia/Shanghai: a write's day from w->now. */
void date_of(int64_t t, char out[16]);

/* geo.c: the grid holding the point (inside, else on its edge); *grid 0 if none. */
int geo_find_grid(db_t *db, double lng, double lat, int64_t *grid);

/* casework.c: the indicator figures of every node's subtree per Shanghai day
 * (case_day), kept on every case write. A change of a case: its part leaves
 * before the change (sign -1), comes back after it (+1), and the difference is
 * applied at the case's node and its ancestors. */
#define CASEWORK_COLS 24
typedef struct casework_delta {
    int64_t org;
    int n;
    struct {
        int64_t day;
        int64_t v[CASEWORK_COLS];
    } days[6];
} casework_delta_t;
/* Add sign times case id's part of the figures to d (zeroed by the caller first). DB_OK or an error. */
int casework_case_part(db_t *db, int64_t id, int sign, casework_delta_t *d);
/* Apply d to case_day at d's node and its ancestors. DB_OK or an error. */
int casework_delta_apply(db_t *db, const casework_delta_t *d);
/* A new case (just reported at org, with its one event) joins the figures: what
 * casework_case_part would read of it, from what the writer knows. DB_OK or an error. */
int casework_case_added(db_t *db, int64_t org, int64_t created_at, int64_t close_due_at);
/* A node moved from under old_parent_path to under new_parent_path: its days
 * leave the old ancestors and join the new ones. */
int casework_move(db_t *db, int64_t node, const char *old_parent_path, const char *new_parent_path);
/* Write the writer's held case_day changes (the running request's and its
 * group's) to case_day, for a reader of case_day inside a write (the
 * assessment's case sources); rolled back with the request as its own writes. */
int casework_batch_settle(db_t *db);

/* A case report as intake hands it to the writer (api_defer_in): what the
 * caller sent and what intake derived from it, in one block (free()). The
 * texts are copies with the personal numbers typed into them masked as shown
 * on screen (139****5678); the contact phone (the one given, else the one phone
 * number the texts held, if exactly one) is kept only masked and encrypted. */
typedef struct case_report {
    int64_t category_id;
    int64_t org_id;                /* the node the case sits at */
    int64_t building_id;           /* or 0 */
    int outside_grid;
    int has_point;
    double lat, lng;
    int xml;                       /* Open311: the answer in XML */
    char source[16];               /* as stored: grid_worker, resident, hotline, open311 */
    char contact_phone[32];        /* masked; "" if none */
    char contact_phone_enc[PII_STORED_MAX(16)]; /* "" if none */
    const char *category, *title, *description; /* into text */
    char text[];
} case_report_t;

/* A report of category (its code), title and description (either masked in
 * the copy) and phone (NULL: none given); the caller sets the rest. Never NULL. */
case_report_t *case_report_new(const keys_t *k, const char *category, const char *title, const char *description,
                               const char *phone);

/* case.c: insert a report; the new case id, or 0 on error. */
int64_t cases_insert(db_t *db, const write_ctx_t *w, const case_report_t *r);
/* A report's category that takes no reports: 400 category_inactive if it was
 * deactivated, else validation_failed (no such category); field category.
 * Always -1. (case.c; also a visit's problem made a case, team.c) */
int case_category_refused(api_req_t *req, api_reply_t *rep, const char *code);

/* Check the reason given for a reveal or a full export: REASON_MIN..REASON_MAX
 * characters, and no ID or phone number in it (it goes into the audit log).
 * 0, or -1 with rep set (400 naming the field reason). */
int api_reason_check(const char *lang, const char *reason, api_reply_t *rep);

/* A request to reveal a value in full, its body validated (field, reason): the
 * reason checked, then write deferred with the body and the id in the path. */
int api_reveal_defer(api_req_t *req, api_reply_t *rep, write_fn write);

/* A case's contact phone: the field name its stored form is encrypted under. */
#define CASE_PHONE_FIELD "case.contact_phone"

/* 0 if phone (NULL: none given) is a valid mobile or landline, else -1 with rep
 * set (400 validation_failed naming field). */
int case_phone_check(api_req_t *req, const char *phone, const char *field, api_reply_t *rep);

/* The personal numbers typed into data's string under key masked the same way
 * (a note or comment: nothing moves into a contact phone). */
void case_intake_note(json_t *data, const char *key);

/* 1 if a case of this source is public when reported (resident, open311). */
int case_source_public(const char *source);

/* What the public is shown as a public case's title: the title, or the category's
 * name when the title holds what looks like an ID or phone number. */
const char *case_public_title(const char *title, const char *category_name);

/* case.c: the case categories changed (a stage's hours, a handler kind, active):
 * drop whatever the writer keeps of them. Called on the writer thread after the change
 * (any thread may call it); the next case reads the categories anew from its own
 * connection, so a change earlier in the same transaction counts. */
void case_categories_changed(void);
/* The longest a stage of a case may be given, in hours (a year: longer is a typo). */
#define CASE_STAGE_HOURS_MAX 8760

/* The places a row of a file lies in (common.c): the community, grid and building
 * on path (the row's node itself included), each by name and by code ("" where the
 * path has none, or a node has no code), in out[0..5] as 社区, 社区编码, 网格, 网格编码,
 * 楼栋, 楼栋编码. cache (a JSON object the caller owns) keeps what each distinct path
 * gave, so a file of many rows reads each node's ancestors once: one query of at most
 * 8 ids, never one per row. The texts live in cache. DB_OK, or DB_ERR. */
#define ORG_PLACE_CELLS 6
int org_place_cells(db_t *db, json_t *cache, const char *path, const char *out[ORG_PLACE_CELLS]);
/* The headers of those cells, in order. */
extern const char *const org_place_headers[ORG_PLACE_CELLS];

/* spreadsheet.c: reading an .xlsx file is in sheet.h (xlsx_read). */
/* The table (arrays of strings, header first) as an .xlsx workbook with one sheet,
 * built in memory; libxlsxwriter's scratch files go to the directory of the file
 * beside (the database), unlinked at once. NULL on failure. The caller frees (and
 * should wipe) the bytes. */
char *xlsx_write(const json_t *table, const char *sheet, const char *beside, size_t *len);
/* A file's bytes as base64 for a deferred export's data; wipes and frees body. */
char *api_base64_wipe(char *body, size_t len);
/* A file a deferred export leaves (after its audit row): data's "body" (base64),
 * "format" ("xlsx", else CSV) and "filename" as the answer. 0. */
int api_file_answer(api_reply_t *rep, const json_t *data);
/* The same with a sheet per element of sheets ({"name", "rows"}, in order); a
 * cell that is a JSON number is written as a number, a string as text, null
 * left empty. */
char *xlsx_write_book(const json_t *sheets, const char *beside, size_t *len);


/* ---- attachments (attachment.c, docs/attachments.md) ---- */
/* A kind of record that takes files. The family that owns the record declares
 * it (its own checks, not copies of them); attachment.c lists the kinds. */
typedef struct attach_owner {
    const char *kind;   /* "duty_item": the owner's kind in the table and in ?owner= */
    const char *entity; /* what a 404 names */
    /* DB_OK with *org set when who may see record id (its files then too),
     * DB_NOTFOUND when not or missing, another DB_* code on an error. */
    int (*scope)(db_t *db, const principal_t *who, int64_t id, int64_t *org);
    /* May who add a file to record id (removing 0) or remove one (1) in the
     * record's present state: 0, or E_ATTACHMENT_FORBIDDEN (403),
     * E_ATTACHMENT_LOCKED (409), or -1 for a database error. */
    int (*writable)(db_t *db, const principal_t *who, int64_t id, int removing);
} attach_owner_t;
extern const attach_owner_t duty_item_files, notice_files, notice_receipt_files, review_reporter_files,
    inspection_files;
/* The media type of a file told by its first bytes (PDF, JPEG, PNG, WebP,
 * docx, xlsx), a static string, or NULL. images_only: JPEG, PNG and WebP only
 * (a case's photos). */
const char *attach_sniff(const unsigned char *p, size_t n, int images_only);
/* The SHA-256 of n bytes as 64 lower-case hex digits and a NUL (what a file's row keeps). */
void attach_sha256(char hex[65], const void *bytes, size_t n);
/* The demo city's files: an inspection's photo, a done duty item's evidence, a
 * reply's report, a 述职 report's full text (attachment.c). */
int attachment_demo(db_t *db, const write_ctx_t *w);
/* ---- end attachments ---- */

/* ---- service records (docs/service-records.md) ---- */
/* One service record of an in-service party member (服务记录), as the family
 * recording it (a member's entry, a post's attendance, a fulfilled wish) hands it. */
typedef struct {
    int64_t org_id, person_id; /* the community served; the member who served */
    const char *served_on;     /* YYYY-MM-DD */
    int start_min, end_min;    /* minutes of the day, the service's own time (travel excluded) */
    const char *content;
    const char *source;        /* "post", "wish", "manual" */
    int64_t source_id;         /* the post claim or wish, 0: none */
    int64_t verified_by;       /* the verifying user, 0: not verified yet (hours count once verified) */
} service_add_t;
/* Insert one record: 0 with *id set, or -1 with rep set: 400 validation_failed naming
 * end_min when it is not after start_min; 409 service_overlap naming start_min when
 * the person has a record that day whose time overlaps. Appends no audit row: the
 * caller's action audits itself. */
int service_record_add(db_t *db, const write_ctx_t *w, const service_add_t *r, int64_t *id, api_reply_t *rep);
/* ---- end service records ---- */
/* ---- demo cases (case_demo.c) ---- */
/* A year of cases for the demo city (docs/casework.md, "Demo cases"): every
 * state, source and category, their logs, escalations, ratings and case_day
 * figures, deterministic from seed. Before the assessment, which reads them. */
int case_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end demo cases ---- */
/* ---- 结对共建 and purchased services (partner.c, docs/partner.md) ---- */
extern const char *const contract_services[];   /* a contract's service */
extern const char *const pairing_item_states[]; /* a pairing item's state */
extern const attach_owner_t pairing_item_files;  /* a pairing item's evidence */
/* The figures of the pairings and of the service contracts (subtree_figures_fn). */
json_t *pairing_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                           const char *today);
json_t *contract_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                            const char *today);
/* The demo city's pairings and contracts, deterministic from seed (jiceng demo). */
int partner_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 结对共建 and purchased services ---- */
/* ---- volunteer and service teams (team.c, docs/teams.md) ---- */
extern const char *const team_kinds[];               /* volunteer, service */
extern const char *const enterprise_branch_states[]; /* a visited enterprise's party branch */
/* Figures per node (respfig.c): volunteer teams, volunteers, activities and
 * verified hours; enterprises visited this month over those in the area. */
json_t *volunteer_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                             const char *today);
json_t *enterprise_visit_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                    const char *today);
/* A demo's number below n from the seed and a counter (a hash, so a family's
 * demo rows do not depend on the order other families draw theirs). common.c */
int64_t demo_pick(unsigned long long seed, unsigned long long k, int64_t n);
/* The years of the demo's yearly records (pay, venues, funds, village
 * accounts, ...): DEMO_FIRST_YEAR to the last whole year before w->now. */
#define DEMO_FIRST_YEAR 2012
int demo_last_year(const write_ctx_t *w);
/* Make the n values v sum to exactly target (an exact demo average is a sum:
 * average x n), moving each by the same share of the difference (the
 * remainder one unit at a time from the first) and keeping each within
 * [lo, hi]; 0, or -1 when the bounds cannot hold the target. */
int demo_fit_sum(int64_t *v, int n, int64_t target, int64_t lo, int64_t hi);
/* A community's (village 0) or village's (1) population in the demo city, from
 * the seed and its id: what the demo enters where its registry holds a sample
 * (communities 2,500-14,000, villages 1,000-3,000: about 9.8 million in all).
 * The grids, the funds' population tiers and the like read it. */
int64_t demo_population(unsigned long long seed, int64_t org_id, int village);
/* The demo city's teams, members, activities with hours and visits, from seed. */
int team_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end volunteer and service teams ---- */

/* ---- 村/社区干部报酬 (pay.c, docs/pay.md) ---- */
extern const char *const pay_posts[];       /* secretary, director, secretary_director, deputy_... */
extern const char *const pay_post_groups[]; /* community_secretary, village_head */
/* The demo city's benchmarks (every district, every year) and pay records
 * (community secretaries, village heads) with the source text's averages. */
int pay_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 村/社区干部报酬 ---- */
/* ---- venues and operating funds (venue.c, funds.c, docs/venues-funds.md) ---- */
extern const char *const venue_functions[]; /* a venue's function codes */
extern const attach_owner_t venue_files;   /* a venue's photos */
/* The org node of a venue or funds record is a community or village: 0, or
 * -1 with rep 400 naming org_id. */
int venue_org_check(db_t *db, const write_ctx_t *w, int64_t org, api_reply_t *rep);
/* The registry's count figure (org_figure: "households", "residents") at org
 * now, 0 when none. DB_OK or an error. */
int venue_registry_count(db_t *db, int64_t org, const char *figure, int64_t *n);
/* The demo city's venue and funds records of every community and village from
 * DEMO_FIRST_YEAR to the last year, deterministic from seed (venue_demo.c). */
int venue_funds_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end venues and operating funds ---- */

/* ---- 双报到 (service_report.c, docs/service-report.md) ---- */
/* The grades a service card gives, and the sources of a service record. */
extern const char *const service_grades[];
extern const char *const service_record_sources[];
extern const char *const unit_report_states[];
/* Reported members, service hours and cards of [lo, hi) for year (service-report-figures). */
json_t *service_report_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                  const char *today);
/* The demo city's 双报到: units (one a district for every 25 in-service members) reported to
 * communities with the year's agreements, every in-service member's report (one in ten still
 * pending), a year of service records and the cards of the quarters past (jiceng demo). */
int service_report_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 双报到 ---- */

/* ---- 民主评议党员 (member_eval.c, docs/member-evaluation.md) ---- */
/* The grades (优秀 合格 基本合格 不合格), the steps, the follow-ups of a 不合格
 * decision (限期改正 劝退 除名) and the states of a round. */
extern const char *const member_eval_grades[], *const member_eval_steps[], *const member_eval_follow_ups[],
    *const member_eval_round_states[];
/* The figures of [lo, hi) for year (member-evaluation-figures): rounds and rounds
 * closed, members, graded, probationary, decided, each grade, follow-ups. */
json_t *member_eval_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                               const char *today);
/* Last year's round of every party organisation with members, decided and
 * closed, and this year's open in one in four, at its steps (jiceng demo). */
int member_eval_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 民主评议党员 ---- */

/* ---- 村级集体经济 (village.c, docs/village-economy.md) ---- */
extern const char *const village_bands[];    /* the grades village.income_bands names: strong ... shell */
extern const char *const village_measures[]; /* the measures an account names: asset_integration ... */
/* 774 villages' accounts every demo year, shells falling from 355 (2014) to 245 (the last year). */
int village_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 村级集体经济 ---- */
/* ---- 党建品牌 and 荣誉 (honour.c, docs/honours.md) ---- */
extern const char *const honour_levels[]; /* national, provincial, city, district */
extern const attach_owner_t brand_files;   /* a brand's files (its 成效 material) */
/* The demo city's brands and honours, deterministic from seed (jiceng demo):
 * before the assessment, whose honours sources read them. */
int honour_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 党建品牌 and 荣誉 ---- */
/* ---- 区域化党建联盟 (alliance.c) ---- */
extern const char *const alliance_kinds[];
extern const char *const alliance_roles[];
extern const char *const alliance_lists[];
extern const char *const alliance_item_states[];
extern const char *const alliance_claim_states[];
/* The demo city's alliances, members, meetings, lists and claims, from seed:
 * 232 existing at the end of the last year (jiceng demo). */
int alliance_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 区域化党建联盟 ---- */
/* ---- work teams and poverty ledger (workteam.c, poverty.c, docs/work-teams.md) ---- */
extern const char *const workteam_roles[];
extern const char *const workteam_unit_levels[];
extern const char *const workteam_visit_kinds[];
extern const char *const poverty_attributes[];
extern const char *const poverty_causes[];
extern const char *const poverty_statuses[];
/* org is a village (kind village): 0, or -1 with rep set (400 naming field; 404 when missing). */
int wt_village(db_t *db, const write_ctx_t *w, int64_t org, const char *field, api_reply_t *rep);
/* person exists, the caller may read people where it sits and, with within (a
 * path), it sits in that subtree: 0, or -1 with rep set (404, 400 outside). */
int wt_person_input(db_t *db, const write_ctx_t *w, int64_t person, const char *within, const char *field,
                    api_reply_t *rep);
/* A copy of a note with its personal numbers masked (core/redact.h); free it. */
char *wt_note_masked(const char *note);
/* A reveal's body, persons' and poverty households' (person.c): field id_card|phone, reason. */
typedef struct {
    uint64_t given;
    const char *field, *reason;
} pii_reveal_in_t;
extern const field_t pii_reveal_fields[];
/* The clear value of a person's id_card or phone (JSON null when none). person.c. */
int person_pii_value(db_t *db, const keys_t *keys, int64_t id, const char *field, json_t **value);
int wt_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end work teams and poverty ledger ---- */

/* ---- 发展党员 (party_dev.c, docs/party-development.md) ---- */
/* The names of the norm development.periods (min_age, talk_months, ...), prefixed dev_. */
extern const char *const pd_period_names[];
extern const attach_owner_t party_candidate_step_files; /* a step's documents */
/* Candidates by stage, applications, admissions and conversions (party-development-figures). */
json_t *party_development_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                     const char *today);
/* The demo city's candidates at every stage, with the norm they follow, from seed (jiceng demo). */
int party_dev_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 发展党员 ---- */
/* ---- 党费 dues (dues.c) ---- */
/* The dues figures of [lo, hi) for year (api_subtree_figures). */
json_t *dues_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                        const char *today);
/* The demo city's dues: norms, declarations and a year of months (jiceng demo). */
int dues_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 党费 dues ---- */
/* A code a phone scans (a volunteer activity's, a party meeting's): 32 random
 * hex digits into out, never a record's id (common.c). The scan's route takes
 * it in the body ({token}: scan_token_fields, read into scan_token_in_t) or
 * the query (?token=: scan_token_query). */
void scan_token_new(char out[33]);
typedef struct {
    uint64_t given;
    const char *token;
} scan_token_in_t;
extern const field_t scan_token_fields[];
extern const field_t scan_token_query[];

/* ---- 三会一课 (party_meeting.c, docs/party-meetings.md) ---- */
extern const char *const party_meeting_kinds[];      /* branch_assembly ... life_meeting */
extern const char *const party_meeting_attendance[]; /* present, leave, absent */
extern const attach_owner_t party_meeting_files;     /* a meeting's photos */
/* Meetings held and periods missed by kind, organisations behind and attendance of [lo, hi) in year. */
json_t *party_meeting_figures_of(db_t *db, const principal_t *who, const char *lo, const char *hi, int64_t year,
                                 const char *today);
/* The demo city's norm meetings.per_year and this year's meetings of every judged
 * party organisation up to today, some behind, deterministic from seed (party_meeting_demo.c). */
int party_meeting_demo(db_t *db, const write_ctx_t *w, unsigned long long seed);
/* ---- end 三会一课 ---- */

#endif
