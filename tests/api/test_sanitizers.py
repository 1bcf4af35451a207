"""The sanitizer run can fail: a handler that leaks is reported by LeakSanitizer under the
suppressions `make api-asan` uses (tests/sanitizers/lsan.supp: h2o's own allocation sites only),
and the report fails the test whose server printed it (conftest.assert_clean)."""
import os
import signal

import pytest

from conftest import Server

PROBE = os.environ["JICENG_LEAK_PROBE_BIN"]  # collected only when set (conftest.collect_ignore)


def test_a_leaking_handler_fails_the_run():
    assert "lsan.supp" in os.environ.get("LSAN_OPTIONS", ""), "run under api-asan's suppressions"
    s = Server(bin=PROBE)
    admin = s.admin()
    for q in ("一", "二", "三"):  # org_list keeps its search text in the probe's build
        assert admin.get("/api/v1/orgs", params={"q": q}).status_code == 200
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=60) == 1  # AddressSanitizer's exit status (its LeakSanitizer found leaks): it stopped cleanly
    with pytest.raises(AssertionError) as e:
        s.close()
    report = str(e.value)
    assert "ERROR: LeakSanitizer: detected memory leaks" in report, report
    assert " in org_list " in report, report  # the handler, through h2o's callback
