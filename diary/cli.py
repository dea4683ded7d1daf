"""Command-line tools: diary demo | tick | create-staff | backup | sms-templates | sms-test."""

from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from diary import clock
from diary.extensions import db

diary_cli = AppGroup("diary", help="Study diary tasks.")


@diary_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no participants.")
def demo_command(if_empty: bool) -> None:
    """Seed a demo site, staff and participants with weeks of history (idempotent)."""
    from sqlalchemy import select

    from diary import demo
    from diary.models import Participant

    if if_empty and db.session.scalar(select(Participant.id).limit(1)) is not None:
        click.echo("The database already has participants; no demo data added.")
        return
    created = demo.seed(db.session, clock.now())
    db.session.commit()
    if created:  # the empty days become missed, with their flags, as the scheduler would do
        from diary.services.messaging import reminders
        from diary.services.tick import closing
        from diary.web.deployment import rules

        closing.close_windows(db.session, clock.now(), rules(),
                              reminders.roster(db.session))
        db.session.commit()
    click.echo("Demo data created." if created else "Demo data already present.")
    for line in demo.LOGINS:
        click.echo("  " + line)


@diary_cli.command("tick")
@click.option("--now", "at", default=None, help="ISO-8601 instant (default: now).")
def tick_command(at: str | None) -> None:
    """Run everything due at that instant once: reminders, window closing, flags."""
    from diary import sms
    from diary.services.tick import ticking
    from diary.web.deployment import rules

    instant = clock.now() if at is None else _parse_instant(at)
    gateway = sms.gateway_from_config(current_app.config)
    report = ticking.tick(db.session, instant, gateway, rules())
    db.session.commit()
    click.echo(f"tick {instant.isoformat()}: {report}")


@diary_cli.command("sms-templates")
@click.option("--provider", type=click.Choice(["aliyun", "tencent"]), required=True)
def sms_templates_command(provider: str) -> None:
    """Print every wording in the provider's variable syntax, ready to submit for approval."""
    from diary.sms import templates

    for line in templates.registration_sheet(provider):
        click.echo(line)


@diary_cli.command("sms-test")
@click.option("--to", "to", required=True, help="A staff phone in E.164 (+8613…).")
@click.option("--kind", default="daily", help="Which wording to send (default: daily).")
@click.option("--locale", default="zh")
def sms_test_command(to: str, kind: str, locale: str) -> None:
    """Send one message through the configured gateway and print the provider's answer."""
    from diary import sms
    from diary.sms import templates
    from diary.web.deployment import rules

    texts, lang = rules().texts, templates.language(locale)
    code = templates.LONGEST_CODE if kind == "on_call" else ""
    wording = sms.Wording(kind, 0, lang, templates.parameters(kind, lang, 0, code))
    result = sms.gateway_from_config(current_app.config).send(
        to, templates.render(kind, locale, 0, to, texts, code), None, wording=wording,
        reference=f"sms-test:{clock.now().isoformat()}")
    click.echo(f"{result.outcome}: id {result.sid}, status {result.status}, "
               f"error {result.error_code}")
    if result.outcome != sms.Outcome.ACCEPTED:
        raise SystemExit(1)


@diary_cli.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["coordinator", "investigator", "admin"]),
              default="admin")
@click.password_option(help="At least 12 characters, hard to guess, without the e-mail.")
def create_staff_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account (the first admin, for instance)."""
    from diary.services.people import staff_accounts

    try:
        staff_accounts.create(db.session, email, name, role, password, clock.now())
    except staff_accounts.PasswordRejected as error:
        with force_locale("en"):
            raise click.ClickException(str(error.message)) from error
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@diary_cli.command("backup")
@click.option("--to", "destination", default=None, type=click.Path(),
              help="A folder (gets a timestamped file) or a file name; default instance/backups/.")
def backup_command(destination: str | None) -> None:
    """Take a consistent online backup of the embedded database (safe while it is in use)."""
    import os
    from pathlib import Path

    from diary.services import backup

    folder = destination or str(Path(current_app.instance_path) / "backups") + os.sep
    try:
        path = backup.sqlite_backup(db.engine.url, folder, clock.now())
    except (backup.BackupRefused, FileExistsError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(str(path))


@diary_cli.command("rekey")
@click.option("--check", is_flag=True, help="Report what would change and change nothing.")
@click.option("--force", is_flag=True,
              help="Go on although some STOP records match no number (they would be lost).")
def rekey_command(check: bool, force: bool) -> None:
    """After a new key is put first in DIARY_ENCRYPTION_KEYS: encrypt every stored value with it
    and recompute every look-up hash (with the web and the scheduler stopped)."""
    from diary.services import rekey

    try:
        done = rekey.rekey(db.session, clock.now(), force=force)
    except rekey.Refused as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing has been changed.") from error
    for title, part in (("encrypted again", done.encrypted), ("hashes recomputed", done.rehashed),
                        ("moved to the new hash", done.moved),
                        ("merged into the new hash", done.merged),
                        ("lockouts of unknown numbers or devices dropped", done.dropped)):
        for table, count in sorted(part.items()):
            click.echo(f"{table}: {count} {title}")
    if not done.changed:
        click.echo("Nothing to change: every value is already under the first key.")
        return
    if check:
        db.session.rollback()
        click.echo(f"Check only: {done.changed} changes needed, none made.")
        return
    db.session.commit()
    click.echo(f"{done.changed} changes committed. Every value is now under the first key; keep "
               "the older keys with the backups made while they were in use.")


def _parse_instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise click.BadParameter(f"not an ISO-8601 instant: {value}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(diary_cli)
