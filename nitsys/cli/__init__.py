"""`flask …` commands, one module per area; each calls the same services as the views."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from nitsys.cli import (
        accounts,
        backup,
        demo,
        exports,
        heats,
        mail,
        meets,
        ops,
        pauses,
        payments,
        results,
        worker,
    )

    for module in (accounts, mail, demo, backup, ops, payments, heats, exports, meets, results):
        module.register(app)
    worker.register(app)
    pauses.register(app)
