"""Staff follow background jobs on the system page, on a phone and at a desk."""

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.models import ExportJobStatus
from nitsys.services import export_jobs
from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width
from tests.test_exports_views import ready_race

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_running_and_failed_jobs_show_their_progress(new_page, browser_login, app, size):
    staff = factories.make_user("staff")
    running = export_jobs.start_archive(ready_race(staff).meet_id, by=staff)
    failed = export_jobs.start_archive(ready_race(staff).meet_id, by=staff)
    db.session.flush()
    running.status, running.progress, running.step = ExportJobStatus.RUNNING, 40, "programme"
    failed.status, failed.error = ExportJobStatus.FAILED, export_jobs.UNEXPECTED
    db.session.commit()

    page = new_page(size)
    browser_login(page, staff)
    page.goto("/admin/system")

    jobs = page.locator("#jobs")
    expect(jobs.get_by_role("heading", name="バックグラウンドジョブ")).to_be_visible()
    expect(jobs.locator("tr.job-running progress")).to_have_attribute("value", "40")
    expect(jobs.locator("tr.job-running")).to_contain_text("programme")
    expect(jobs.locator("tr.job-failed")).to_contain_text("システム管理者に連絡")
    assert_fits_width(page)
    link = jobs.locator("tr.job-failed a").first
    assert link.bounding_box()["height"] >= 44
    link.click()
    expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/meets/{failed.meet_id}/exports")
