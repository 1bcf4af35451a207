/* Unit tests of src/core/role.c: roles, permissions and who may grant what. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/role.h"

#define WRITE_ALL                                                                                             \
    (PERM_ORG_WRITE | PERM_PARTY_WRITE | PERM_UNIT_WRITE | PERM_USER_WRITE | PERM_PEOPLE_WRITE | PERM_CASE_WRITE)
#define READ_ALL_T                                                                                            \
    (PERM_ORG_READ | PERM_PARTY_READ | PERM_UNIT_READ | PERM_USER_READ | PERM_PEOPLE_READ | PERM_CASE_READ)

static const char *const expected_roles[] = {"admin",    "org_staff", "grid_worker", "party_member",
                                             "resident", "delegate",  "auditor",     "unit_staff"};
#define N_ROLES ((int)(sizeof expected_roles / sizeof expected_roles[0]))

static void test_perm_constants(void **state)
{
    (void)state;
    assert_int_equal(PERM_BITS, 16);
    assert_int_equal(PERM_ALL, 0xFFFF);
    /* Each named permission is its own bit, all inside PERM_ALL. */
    uint32_t seen = 0;
    for (int b = 0; b < PERM_BITS; b++) {
        uint32_t bit = 1u << b;
        assert_int_equal(seen & bit, 0);
        seen |= bit;
    }
    assert_int_equal(seen, PERM_ALL);
    assert_int_equal((uint32_t)(WRITE_ALL | READ_ALL_T | PERM_AUDIT_READ | PERM_PII_REVEAL | PERM_STATS_READ |
                                 PERM_PII_EXPORT_BULK),
                     PERM_ALL);
    assert_int_equal(WRITE_ALL & READ_ALL_T, 0);
}

static void test_role_list(void **state)
{
    (void)state;
    for (int i = 0; i < N_ROLES; i++) {
        const char *name = role_name_at(i);
        assert_non_null(name);
        assert_string_equal(name, expected_roles[i]);
        assert_true(role_valid(name));
        uint32_t p = role_perms(name);
        assert_int_not_equal(p, 0);
        assert_int_equal(p & ~PERM_ALL, 0);
        /* Everyone with a role can at least see the organisation tree. */
        assert_true(p & PERM_ORG_READ);
    }
    assert_null(role_name_at(N_ROLES));
    assert_null(role_name_at(N_ROLES + 100));
    assert_null(role_name_at(-1));
    assert_null(role_name_at(INT32_MIN));
}

static void test_unit_roles(void **state)
{
    (void)state;
    /* Only unit_staff is granted over a unit, and it carries casework and nothing of people or users. */
    for (int i = 0; i < N_ROLES; i++)
        assert_int_equal(role_on_unit(expected_roles[i]), strcmp(expected_roles[i], "unit_staff") == 0);
    assert_int_equal(role_on_unit(NULL), 0);
    assert_int_equal(role_on_unit("nobody"), 0);
    assert_int_equal(role_perms("unit_staff"), PERM_ORG_READ | PERM_CASE_READ | PERM_CASE_WRITE);
}

static void test_unknown_roles(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "Admin", "ADMIN", "admin ", " admin", "admi", "administrator",
                                      "root", "superuser", "org-staff", "orgstaff", "auditor\n", "none"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(role_perms(bad[i]), 0);
        assert_false(role_valid(bad[i]));
    }
    assert_int_equal(role_perms(NULL), 0);
    assert_false(role_valid(NULL));
}

static void test_admin(void **state)
{
    (void)state;
    uint32_t p = role_perms("admin");
    assert_int_equal(p, PERM_ALL);
    for (int b = 0; b < PERM_BITS; b++)
        assert_true(p & (1u << b));
}

static void test_auditor(void **state)
{
    (void)state;
    uint32_t p = role_perms("auditor");
    assert_int_equal(p & WRITE_ALL, 0);     /* cannot write anything */
    assert_int_equal(p & PERM_PII_REVEAL, 0); /* never personal data in clear */
    assert_true(p & PERM_AUDIT_READ);
    assert_int_equal(p & READ_ALL_T, READ_ALL_T);
    assert_int_equal(p, READ_ALL_T | PERM_AUDIT_READ | PERM_STATS_READ);
}

static void test_other_roles(void **state)
{
    (void)state;
    uint32_t staff = role_perms("org_staff");
    assert_int_equal(staff & WRITE_ALL, WRITE_ALL);
    assert_int_equal(staff & READ_ALL_T, READ_ALL_T);
    assert_true(staff & PERM_PII_REVEAL);
    assert_false(staff & PERM_AUDIT_READ);

    uint32_t grid = role_perms("grid_worker");
    assert_true(grid & PERM_PEOPLE_WRITE);
    assert_true(grid & PERM_CASE_WRITE);
    assert_true(grid & PERM_PII_REVEAL);
    assert_false(grid & PERM_USER_WRITE);
    assert_false(grid & PERM_ORG_WRITE);
    assert_false(grid & PERM_AUDIT_READ);

    assert_int_equal(role_perms("resident"), PERM_ORG_READ);
    assert_int_equal(role_perms("delegate"), PERM_ORG_READ | PERM_PARTY_READ);
    assert_int_equal(role_perms("party_member"), PERM_ORG_READ | PERM_PARTY_READ | PERM_UNIT_READ | PERM_CASE_READ);

    /* Only admin and auditor read the audit log; only admin, org_staff and grid_worker reveal PII. */
    for (int i = 0; i < N_ROLES; i++) {
        uint32_t p = role_perms(expected_roles[i]);
        int audit = strcmp(expected_roles[i], "admin") == 0 || strcmp(expected_roles[i], "auditor") == 0;
        assert_int_equal(!!(p & PERM_AUDIT_READ), audit);
        int pii = strcmp(expected_roles[i], "admin") == 0 || strcmp(expected_roles[i], "org_staff") == 0 ||
                  strcmp(expected_roles[i], "grid_worker") == 0;
        assert_int_equal(!!(p & PERM_PII_REVEAL), pii);
        /* Whoever may write users is org_staff or admin. */
        int uw = strcmp(expected_roles[i], "admin") == 0 || strcmp(expected_roles[i], "org_staff") == 0;
        assert_int_equal(!!(p & PERM_USER_WRITE), uw);
        /* Figures are for staff: admin, org_staff, grid_worker, auditor; never a resident,
         * party member, delegate or a unit's account. */
        int stats = uw || strcmp(expected_roles[i], "grid_worker") == 0 || audit;
        assert_int_equal(!!(p & PERM_STATS_READ), stats);
        /* A bulk unmasked export is admin's alone by default. */
        assert_int_equal(!!(p & PERM_PII_EXPORT_BULK), strcmp(expected_roles[i], "admin") == 0);
    }
}

static void test_perm_names(void **state)
{
    (void)state;
    static const char *const names[PERM_BITS] = {
        "org.read",   "org.write",  "party.read",  "party.write",  "unit.read", "unit.write", "user.read",
        "user.write", "audit.read", "pii.reveal",  "people.read",  "people.write", "case.read", "case.write",
        "stats.read", "pii.export_bulk",
    };
    assert_string_equal(perm_name(PERM_ORG_READ), "org.read");
    assert_string_equal(perm_name(PERM_USER_WRITE), "user.write");
    assert_string_equal(perm_name(PERM_PII_REVEAL), "pii.reveal");
    assert_string_equal(perm_name(PERM_CASE_WRITE), "case.write");
    for (int b = 0; b < PERM_BITS; b++) {
        uint32_t bit = 1u << b;
        assert_string_equal(perm_name(bit), names[b]);
        assert_int_equal(perm_from_name(names[b]), bit);
        assert_int_equal(perm_from_name(perm_name(bit)), bit);
        for (int c = b + 1; c < PERM_BITS; c++)
            assert_string_not_equal(perm_name(bit), perm_name(1u << c));
    }
}

static void test_perm_name_rejects(void **state)
{
    (void)state;
    assert_null(perm_name(0));
    assert_null(perm_name(PERM_ORG_READ | PERM_ORG_WRITE));
    assert_null(perm_name(3));
    assert_null(perm_name(PERM_ALL));
    assert_null(perm_name(1u << PERM_BITS));
    assert_null(perm_name(1u << 31));
    assert_null(perm_name(0xFFFFFFFFu));

    static const char *const bad[] = {"", "org", "read", "ORG.READ", "org.read ", " org.read", "org_read",
                                      "org.Read", "org.reads", "org.", ".read", "audit.write", "pii.read"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(perm_from_name(bad[i]), 0);
    assert_int_equal(perm_from_name(NULL), 0);
}

static void test_can_grant_named(void **state)
{
    (void)state;
    /* Admin can grant everything. */
    for (int i = 0; i < N_ROLES; i++)
        assert_true(role_can_grant(PERM_ALL, expected_roles[i]));
    /* Without user.write nothing, not even the weakest role. */
    for (int i = 0; i < N_ROLES; i++)
        assert_false(role_can_grant(PERM_ALL & ~(uint32_t)PERM_USER_WRITE, expected_roles[i]));
    assert_false(role_can_grant(PERM_ORG_READ, "resident"));
    /* user.write alone is not enough: the granter needs what the role carries. */
    assert_false(role_can_grant(PERM_USER_WRITE, "resident"));
    assert_true(role_can_grant(PERM_USER_WRITE | PERM_ORG_READ, "resident"));
    assert_false(role_can_grant(PERM_USER_WRITE | PERM_ORG_READ, "delegate"));
    /* org_staff: its own role and below, not admin or auditor (audit.read). */
    uint32_t staff = role_perms("org_staff");
    assert_true(role_can_grant(staff, "org_staff"));
    assert_true(role_can_grant(staff, "grid_worker"));
    assert_true(role_can_grant(staff, "party_member"));
    assert_true(role_can_grant(staff, "resident"));
    assert_true(role_can_grant(staff, "delegate"));
    assert_false(role_can_grant(staff, "admin"));
    assert_false(role_can_grant(staff, "auditor"));
    /* The auditor reads everything but writes no users. */
    uint32_t aud = role_perms("auditor");
    for (int i = 0; i < N_ROLES; i++)
        assert_false(role_can_grant(aud, expected_roles[i]));
    /* Unknown roles can never be granted. */
    assert_false(role_can_grant(PERM_ALL, NULL));
    assert_false(role_can_grant(PERM_ALL, ""));
    assert_false(role_can_grant(PERM_ALL, "root"));
    assert_false(role_can_grant(0xFFFFFFFFu, "Admin"));
}

static void test_can_grant_matrix(void **state)
{
    (void)state;
    /* For every granter role and target role, and for every single-bit removal
     * from admin: granted iff user.write held and perms is a superset. */
    for (int i = 0; i < N_ROLES; i++) {
        uint32_t have = role_perms(expected_roles[i]);
        for (int j = 0; j < N_ROLES; j++) {
            uint32_t need = role_perms(expected_roles[j]);
            int expect = (have & PERM_USER_WRITE) && (need & ~have) == 0;
            assert_int_equal(!!role_can_grant(have, expected_roles[j]), expect);
        }
    }
    for (int b = 0; b < PERM_BITS; b++) {
        uint32_t have = PERM_ALL & ~(1u << b);
        for (int j = 0; j < N_ROLES; j++) {
            uint32_t need = role_perms(expected_roles[j]);
            int expect = (have & PERM_USER_WRITE) && (need & ~have) == 0;
            assert_int_equal(!!role_can_grant(have, expected_roles[j]), expect);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perm_constants),
        cmocka_unit_test(test_role_list),
        cmocka_unit_test(test_unit_roles),
        cmocka_unit_test(test_unknown_roles),
        cmocka_unit_test(test_admin),
        cmocka_unit_test(test_auditor),
        cmocka_unit_test(test_other_roles),
        cmocka_unit_test(test_perm_names),
        cmocka_unit_test(test_perm_name_rejects),
        cmocka_unit_test(test_can_grant_named),
        cmocka_unit_test(test_can_grant_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
