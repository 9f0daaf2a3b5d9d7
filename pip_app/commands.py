"""Command-line tasks: `flask --app pip_app create-user`, `demo-data`, `send-notifications`, …"""

import click
from flask import Blueprint, current_app

from .extensions import db
from .models import Role, Service
from .services.users import UserError, create_user, find_by_email

cli = Blueprint("cli", __name__, cli_group=None)


@cli.cli.command("create-user")
@click.option("--email", prompt=True, help="Sign-in email (unique, any case).")
@click.option("--name", prompt=True, help="Full name as colleagues know it.")
@click.option("--role", prompt=True, type=click.Choice([r.value for r in Role]), help="Role.")
@click.option("--service", "service_names", multiple=True, help="Service name (repeatable); created if new.")
@click.option("--line-manager", "line_manager_email", default=None, help="Line manager's email.")
@click.password_option(help="Prompted, never shown; at least 12 characters.")
def create_user_command(email, name, role, service_names, line_manager_email, password):
    """Add a user account. There are no default accounts."""
    services = []
    for service_name in service_names:
        service = db.session.scalar(db.select(Service).where(Service.name == service_name))
        services.append(service or Service(name=service_name))
    line_manager = None
    if line_manager_email:
        line_manager = find_by_email(line_manager_email)
        if line_manager is None:
            raise click.ClickException(f"No user with the email {line_manager_email}.")
    try:
        user = create_user(
            None,
            email=email,
            name=name,
            role=Role(role),
            password=password,
            services=services,
            line_manager=line_manager,
        )
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} {user.name} <{user.email}>.")


@cli.cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path):
    """Copy the SQLite database to PATH while the app keeps running (online backup)."""
    from .services.retention import backup_sqlite

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, e.g. "
            '`pg_dump --format=custom --file=pip.dump "$DATABASE_URL"` (restore with pg_restore).'
        )
    pages = backup_sqlite(url.database, path)
    click.echo(f"Backed up {pages} pages to {path}.")


@cli.cli.command("purge-closed")
@click.option("--older-than", "years", type=click.IntRange(1, 100), required=True, help="Years since closure.")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, delete nothing.")
def purge_closed_command(years, dry_run):
    """Delete closed plans (and their audit trail) whose closure is older than the retention period."""
    from .services.retention import plans_due_for_purge, purge_closed

    if dry_run:
        due = [p.reference for p in plans_due_for_purge(years)]
        click.echo(
            f"{len(due)} closed plan(s) older than {years} year(s) would be deleted"
            + (": " + ", ".join(due) if due else ".")
        )
        return
    purged = purge_closed(None, years)
    db.session.commit()
    click.echo(f"Deleted {len(purged)} closed plan(s)" + (": " + ", ".join(purged) if purged else "."))


@cli.cli.command("export-person")
@click.argument("email")
def export_person_command(email):
    """Everything held about one person, as JSON on standard output (subject access request)."""
    import json

    from .services import audit
    from .services.retention import export_person

    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    data = export_person(user)
    audit.record(None, "exported", "user", user.id, changes={"what": "subject access export"})
    db.session.commit()
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@cli.cli.command("demo-data")
@click.option("--password", default=None, help="Password for every demo account (at least 12 characters).")
def demo_data_command(password):
    """Load the demo service, users and plans in every state. Safe to run twice."""
    from .tools.demo import DEMO_PASSWORD, load_demo_data

    password = password or DEMO_PASSWORD
    try:
        summary = load_demo_data(password)
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(summary)


@cli.cli.command("seed-scale")
@click.option("--plans", default=10_000, show_default=True, help="How many plans (with everything in them).")
@click.option("--services", default=20, show_default=True, help="How many services in the provider group.")
@click.option("--staff", default=600, show_default=True, help="How many staff members.")
@click.option("--password", default=None, help="Password for every seeded account (at least 12 characters).")
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@click.option("--force", is_flag=True, help="Add the scale data to a database that already has plans.")
def seed_scale_command(plans, services, staff, password, random_seed, force):
    """Bulk-load a provider group at scale for bench/ (a fresh database; see bench/README.md)."""
    from .tools.seed import DEFAULT_PASSWORD, SeedRefused, analyze, seed_scale

    try:
        result = seed_scale(
            plans, services=services, staff=staff, password=password or DEFAULT_PASSWORD, seed=random_seed, force=force
        )
    except SeedRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(result.summary())
    seconds = analyze()
    click.echo(f"{'VACUUM ANALYZE' if db.engine.dialect.name == 'postgresql' else 'ANALYZE'} in {seconds:.1f} s")


@cli.cli.command("refresh-attention")
def refresh_attention_command():
    """Work out again what needs attention on every plan (what the dashboards list as flagged),
    and draw every measured action's progress chart again. Every change keeps both current by
    itself; run this after changing PIP_ACK_OUTSTANDING_DAYS, or after writing to the database
    other than through the app."""
    from .services.attention import refresh_every_plan
    from .services.charts_kept import redraw_every_plan

    refresh_every_plan(db.session.connection())
    redraw_every_plan(db.session.connection())
    db.session.commit()
    click.echo("What needs attention was worked out again, and every progress chart drawn again, for every plan.")


@cli.cli.command("send-notifications")
@click.option("--dry-run", is_flag=True, help="Say what is due and what would be sent; write and send nothing.")
def send_notifications_command(dry_run):
    """Add what has become due to the outbox (and the daily digests, from PIP_DIGEST_HOUR), then
    send what is pending over SMTP, retrying failures with backoff. Run it every 15 minutes; safe
    to run on several servers at once and to run again."""
    from .clock import now_utc, to_london, today
    from .database import begin_writes, end_writes, refresh_statistics
    from .notifications.mailer import MailSettings
    from .services import delivery, outbox, reminders

    config = current_app.config
    settings = MailSettings.from_config(config)
    now, day = now_utc(), today()
    refresh_statistics(db.engine)  # the app's one scheduled job also keeps SQLite's statistics current
    begin_writes()  # SQLite: every transaction of this run takes the write lock up front …
    db.session.rollback()  # … including the first (none may be open from before)
    try:
        with_digests = to_london(now).hour >= int(config["DIGEST_HOUR"])
        due = reminders.find_due(day, with_digests=with_digests)
        added = outbox.enqueue(due, now=now)
        if dry_run:
            waiting = delivery.pending_count(now)
            db.session.rollback()
            click.echo(
                f"Dry run: {len(due)} notification(s) due today, {added} of them new; {waiting} would be sent now."
            )
            for item in due:
                click.echo(
                    f"  {item.kind.value:22} to user {item.recipient_id:<6} {item.reference or '(digest)'} {item.occasion}"
                )
            return
        released = delivery.release_stale_claims(now, int(config["NOTIFY_CLAIM_MINUTES"]))
        db.session.commit()
        click.echo(
            f"{added} new notification(s) added to the outbox."
            + (f" {released} interrupted send(s) released." if released else "")
        )
        if not settings.configured:
            click.echo(
                f"No mail server is set (PIP_MAIL_SERVER), so nothing was sent: {delivery.pending_count(now)} "
                "message(s) wait in the outbox (/admin/outbox)."
            )
            return
        problems = settings.problems()
        if problems:
            raise click.ClickException(" ".join(problems))
        sent, failed, skipped = _deliver(settings, config, day)
        click.echo(f"Sent {sent}, failed {failed} (tried again later or failed for good), skipped {skipped}.")
    finally:
        db.session.rollback()
        end_writes()


def _deliver(settings, config, day) -> tuple[int, int, int]:
    """Claim a batch, send it, record each outcome as it comes; until nothing is due, or until a
    batch could not reach the mail server (the rest waits for the next run)."""
    from .clock import now_utc
    from .services import delivery

    sent = failed = skipped = 0
    while True:
        outgoing, passed_over = delivery.claim(settings, now=now_utc(), day=day, batch=int(config["NOTIFY_BATCH"]))
        db.session.commit()
        skipped += passed_over
        if not outgoing:
            if passed_over:
                continue
            return sent, failed, skipped
        batch_sent, batch_failed, reached = _send_batch(settings, config, outgoing)
        sent, failed = sent + batch_sent, failed + batch_failed
        if not reached:
            return sent, failed, skipped


def _send_batch(settings, config, outgoing) -> tuple[int, int, bool]:
    """One SMTP connection for the batch. Each outcome is committed as soon as the server has
    answered, so a run killed now leaves at most the one message in flight unrecorded. Whether
    the mail server could be reached and stayed so."""
    from .clock import now_utc
    from .notifications.mailer import Connection, SendFailed
    from .services import delivery

    limits = {"max_attempts": int(config["NOTIFY_MAX_ATTEMPTS"]), "retry_seconds": int(config["NOTIFY_RETRY_SECONDS"])}
    sent = failed = 0
    left = list(outgoing)
    try:
        with Connection(settings) as connection:
            while left:
                message = left[0]
                try:
                    connection.send(message.message)
                except SendFailed as error:
                    left.pop(0)
                    delivery.record_failure(message, str(error), permanent=error.permanent, now=now_utc(), **limits)
                    db.session.commit()
                    failed += 1
                    if not error.permanent and connection.broken:
                        raise SendFailed(
                            f"Not tried: the mail server stopped answering ({error})", permanent=False
                        ) from error
                    continue
                left.pop(0)
                delivery.record_sent(message, now_utc())
                db.session.commit()
                sent += 1
    except SendFailed as error:
        for message in left:
            delivery.record_failure(message, str(error), permanent=False, now=now_utc(), **limits)
            failed += 1
        db.session.commit()
        return sent, failed, False
    return sent, failed, True
