-- 032: 定制帮 (custom help), a resident's request for help, as a family of case
-- categories under the top-level custom_help (schema 003) so every request runs
-- the casework loop (deadlines, escalation, rating) like any other case. The
-- kinds follow the help the source article's 社区微信平台 "定制帮" service and
-- its 幸福里 / 帮你忙志愿联盟 teams give: errands, company to the doctor, small
-- repairs at home, someone to talk to, and anything else. Each takes the
-- parent's stage hours except 陪诊就医 (an appointment does not wait: accepted
-- and dispatched sooner) and 心理疏导 (several visits: longer to handle).
-- Residents see the family as 定制帮 (docs/casework.md); a category belongs to
-- it when it is custom_help or its parent is.
INSERT INTO case_category (parent_id, code, name_zh, name_en, accept_hours, dispatch_hours, claim_hours, handle_hours,
                           verify_hours, handler_kind, sort)
SELECT p.id, v.code, v.name_zh, v.name_en, v.accept_hours, v.dispatch_hours, v.claim_hours, v.handle_hours,
       v.verify_hours, 'org', v.sort
FROM case_category p,
     (SELECT 'help_errand' AS code, '代购代办' AS name_zh, 'errands' AS name_en, 8 AS accept_hours,
             24 AS dispatch_hours, 8 AS claim_hours, 72 AS handle_hours, 48 AS verify_hours, 61 AS sort
      UNION ALL SELECT 'help_escort', '陪诊就医', 'escort to the doctor', 4, 8, 4, 48, 48, 62
      UNION ALL SELECT 'help_repair', '家电维修', 'home repairs', 8, 24, 8, 72, 48, 63
      UNION ALL SELECT 'help_counsel', '心理疏导', 'someone to talk to', 8, 24, 8, 120, 48, 64
      UNION ALL SELECT 'help_other', '其他帮办', 'other help', 8, 24, 8, 72, 48, 65) v
WHERE p.code = 'custom_help';
