"""Staff back office on the demo data (the audit table as the demo leaves it; for the audit log
at 1,000,000 rows run `python -m bench.back_office`)."""

from bench.harness import Page

PAGES = [
    Page("team list (this meet's payments)", "staff", "/admin/teams"),
    Page("team list, kana search", "official", "/admin/teams?q=だいがく"),
    Page("team page (largest team)", "official", "/admin/teams/{coach_org_id}"),
    Page("athlete search, hiragana", "staff", "/admin/athletes?q=やまだ"),
    Page("audit log, first page", "staff", "/admin/audit"),
    Page("履歴 panel, a team", "staff", "/admin/audit/history/organizations/{coach_org_id}"),
]
