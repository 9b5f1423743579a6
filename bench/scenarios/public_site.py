"""The public site on the demo data (issue #14): top page, meet pages, news, feeds, in Japanese
and English. Targets (server time, median): top < 5 ms, meet page < 8 ms, news list < 5 ms,
feeds < 10 ms; at most 4 SQL queries on each page."""

from bench.harness import Page

PAGES = [
    Page("public top", "anonymous", "/"),
    Page("public top, past meets page 2", "anonymous", "/?page=2"),
    Page("public meet page (upcoming)", "anonymous", "/meets/{meet_id}"),
    Page("public meet page (past)", "anonymous", "/meets/{past_meet_id}"),
    Page("public news list", "anonymous", "/news"),
    Page("public news atom feed", "anonymous", "/news.atom"),
    Page("public meets ics feed", "anonymous", "/meets.ics"),
    Page("public sitemap", "anonymous", "/sitemap.xml"),
]
