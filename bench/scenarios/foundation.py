"""The layout pages every user meets first."""

from bench.harness import Page

PAGES = [
    Page("home", "anonymous", "/"),
    Page("login page", "anonymous", "/auth/login"),
    Page("home (signed in)", "coach", "/"),
    Page("coach dashboard", "coach", "/my/"),
    Page("staff users", "staff", "/admin/users"),
]
