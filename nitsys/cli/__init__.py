"""`flask …` commands, one module per area; each calls the same services as the views."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from nitsys.cli import accounts, mail

    for module in (accounts, mail):
        module.register(app)
