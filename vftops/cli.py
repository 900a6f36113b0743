"""`flask vftops …`: the commands an operator runs.

Each command commits once at the end, like a request; a DomainError aborts
with its message and nothing written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from vftops.core.errors import DomainError
from vftops.extensions import db

vftops_cli = AppGroup("vftops", help="vftops administration.")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    messages = [str(error.message)]
    for field, problems in error.fields.items():
        messages += [f"  {field}: {p}" for p in problems]
    raise click.ClickException("\n".join(messages))


def _say_where() -> None:
    """Say on stderr which configuration and database a command works on: a command run
    from cron in the wrong environment shows it in its mail, not only in what it did."""
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"vftops: {current_app.config['NAME']} configuration, database {url}", err=True)


@vftops_cli.command("init")
def init_command() -> None:
    """Create or migrate the database to the newest schema."""
    _say_where()
    upgrade(directory=str(Path(current_app.root_path).parent / "migrations"))
    if db.engine.dialect.name == "sqlite":
        # Keep the query planner's statistics current (cheap when nothing changed).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA optimize")
    click.echo("Database is at the newest schema.")


@vftops_cli.command("create-admin")
@click.option("--username", prompt=True, help="Login name (lower case).")
@click.option("--full-name", prompt=True, help="The person's full name.")
@click.option("--email", default="", help="E-mail address.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="VFTOPS_ADMIN_PASSWORD",
    help="At least 12 characters (or set VFTOPS_ADMIN_PASSWORD).",
)
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    help="Kommunenummer the admin belongs to (repeat for several).",
)
def create_admin_command(username, full_name, email, password, municipalities) -> None:
    """Create an administrator."""
    from sqlalchemy import select

    from vftops.auth.operations import create_user
    from vftops.org.models import Municipality

    mids = []
    for number in municipalities:
        m = db.session.scalar(select(Municipality).where(Municipality.number == number))
        if m is None:
            raise click.ClickException(f"No municipality with number {number}.")
        mids.append(m.id)
    try:
        user = create_user(
            None,
            username=username,
            full_name=full_name,
            email=email or None,
            password=password,
            roles=["admin"],
            municipality_ids=mids,
        )
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Administrator {user.username} created.")


@vftops_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if data exists.")
def demo_command(if_empty: bool) -> None:
    """Load demo municipalities, units and one user per role."""
    from vftops.demo import DEMO_PASSWORD, DEMO_USERS, database_is_empty, load_demo

    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo data not loaded.")
            return
        raise click.ClickException(
            "The database already has data. Demo data is only loaded into an empty database."
        )
    try:
        load_demo()
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo("Demo data loaded. Log in at the start page with one of these users:")
    for username, full_name, roles, _m, _u in DEMO_USERS:
        click.echo(f"  {username:<12} {', '.join(r.value for r in roles):<12} {full_name}")
    click.echo(f"Password for all: {DEMO_PASSWORD}")


@vftops_cli.command("bench")
@click.option("--devices", default=300_000, show_default=True)
@click.option("--recipients", default=150_000, show_default=True)
@click.option("--movements", default=3_000_000, show_default=True)
@click.option("--tickets", default=500_000, show_default=True)
@click.option("--grants", default=150_000, show_default=True, help="Access grants over 5 years.")
@click.option(
    "--agreements", default=500, show_default=True, help="Agreements (100 call-offs each)."
)
@click.option("--samples", default=100, show_default=True, help="Requests per measurement.")
@click.option("--reuse", is_flag=True, help="Measure again the dataset an earlier run built.")
def bench_command(
    devices: int,
    recipients: int,
    movements: int,
    tickets: int,
    grants: int,
    agreements: int,
    samples: int,
    reuse: bool,
) -> None:
    """Build a synthetic dataset on an EMPTY database and time the main pages."""
    from vftops.bench import build_dataset, report, run_bench
    from vftops.demo import database_is_empty

    if not reuse and not database_is_empty():
        raise click.ClickException(
            "The benchmark writes a large synthetic dataset; run it on an empty database."
        )
    click.echo(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
    if not reuse:
        build_dataset(
            devices,
            recipients,
            movements,
            tickets=tickets,
            grants=grants,
            agreements=agreements,
            echo=click.echo,
        )
        db.session.remove()
        # Measured as a server worker would answer: in a fresh process, not in the
        # one that has just built 3 million rows and still carries their garbage.
        click.echo("  measuring in a fresh process")
        command = [sys.executable, "-m", "flask", "--app", "vftops", "vftops", "bench"]
        completed = subprocess.run([*command, "--reuse", "--samples", str(samples)], check=False)
        if completed.returncode:
            raise click.ClickException("The measurement failed; see the output above.")
        return
    rows = run_bench(
        current_app._get_current_object(),
        devices=devices,
        recipients=recipients,
        movements=movements,
        samples=samples,
        reuse=True,
    )
    report(rows)


@vftops_cli.command("load")
@click.option("--clients", default=16, show_default=True, help="Concurrent clients.")
@click.option("--seconds", default=60, show_default=True, help="How long they keep at it.")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads in each worker.")
def load_command(clients: int, seconds: int, workers: int, threads: int) -> None:
    """Many people writing different things at once through gunicorn: any 409 or 5xx fails."""
    from vftops.loadtest import report, run_load

    click.echo(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
    tally = run_load(clients=clients, seconds=seconds, workers=workers, threads=threads)
    if not report(tally):
        raise click.ClickException("Writers of different objects met a conflict or an error.")


@vftops_cli.command("purge")
@click.option(
    "--months",
    type=int,
    default=None,
    help="Retention: months without activity before a recipient is anonymised "
    "(default PURGE_RETENTION_MONTHS, 12).",
)
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
def purge_command(months: int | None, dry_run: bool) -> None:
    """Anonymise the recipients whose service is long over (daily, from cron).

    Due: no device out, nothing returned, ended, planned or edited for the retention
    period. Their devices' history and tickets stay, with «Anonymisert tjenestemottaker»
    for the name. The audit log records how many per municipality, never who.
    """
    from vftops.equipment.purge import run_purge

    _say_where()

    months = current_app.config["PURGE_RETENTION_MONTHS"] if months is None else months
    if months < 1:
        raise click.ClickException("The retention period is at least 1 month.")
    result = run_purge(months=months, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(
        f"Retention {result.months} month(s): nothing since before {result.cutoff:%Y-%m-%d}"
        + (" (dry run)" if dry_run else "")
    )
    for recipient_id, why in result.failed:
        click.echo(f"  not anonymised: #{recipient_id}: {why}", err=True)
    if not result.count:
        click.echo("Nobody is due." if not result.failed else "Nobody was anonymised.")
    # Numbers, not names: this goes to a terminal or a cron mail. The recipient pages
    # (which log who looked) tell who they are.
    for municipality, recipient_id, last in result.due:
        when = f"{last:%Y-%m-%d}" if last else "-"
        click.echo(f"  would anonymise {municipality}: recipient #{recipient_id} (last {when})")
    verb = "Would anonymise" if dry_run else "Anonymised"
    for municipality, count in result.per_municipality.items():
        click.echo(f"{verb} {count} recipient(s) in {municipality}")
    if result.failed:
        raise SystemExit(1)


@vftops_cli.command("notify")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the digest is for, YYYY-MM-DD (default: today in Norway).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send and record nothing.")
def notify_command(day, dry_run: bool) -> None:
    """E-mail each person the day's digest (once a day; from cron).

    Each module adds its part: store responsibles hear about their stores; support teams
    and assignees about tickets breached or breaching soon; those who record function
    tests about overdue tests; reviewers about access left to review, and a review's owner
    about reviewers who are late. First the support SLA is swept, unsent order e-mails are
    tried again, and access reviews past their escalation date go to the fallback
    reviewer.
    """
    from vftops.notify import MailNotConfigured, run_notify

    _say_where()
    try:
        result = run_notify(day.date() if day else None, dry_run=dry_run)
    except MailNotConfigured as error:
        raise click.ClickException(str(error)) from None
    verb = "Would send" if dry_run else "Sent"
    for line, problem in result.before:
        click.echo(line, err=problem)
    click.echo(f"Daily digest for {result.day:%Y-%m-%d}" + (" (dry run)" if dry_run else ""))
    for mail in result.sent:
        click.echo(f"  {verb.lower()} to {mail.label}: {mail.items} item(s) – {mail.subject}")
    for label in result.skipped_already_sent:
        click.echo(f"  already sent today: {label}")
    for person in result.people_without_email:
        click.echo(
            f"  no e-mail address: {person.name} ({person.username}), {person.items} item(s) "
            f"for {', '.join(person.topics)}"
        )
    for note in result.notes:
        click.echo(f"  {note}")
    for label, reason in result.failed:
        click.echo(f"  NOT SENT to {label}: {reason}", err=True)
    click.echo(
        f"{verb} {len(result.sent)} e-mail(s) with {result.items} item(s) "
        f"in {result.elapsed:.1f} s; {len(result.skipped_already_sent)} already sent today; "
        f"{result.nothing_to_report} with nothing to report; "
        f"{len(result.people_without_email)} without an e-mail address; "
        f"{len(result.failed)} failed."
    )
    if result.failed:
        raise click.exceptions.Exit(1)


token_cli = AppGroup("token", help="Personal API tokens.")


@token_cli.command("create")
@click.argument("username")
@click.option("--name", default="Command line", help="What the token is for.")
@click.option("--days", default=None, type=int, help="Days until it expires (default 90).")
def token_create_command(username: str, name: str, days: int | None) -> None:
    """Create an API token for USERNAME and print it once."""
    from vftops.auth.operations import create_api_token, find_user_for_login

    user = find_user_for_login(username)
    if user is None or not user.is_active_user:
        raise click.ClickException(f"No active user {username}.")
    try:
        token, plain = create_api_token(None, user, name=name, days=days)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(plain)
    click.echo(
        f"Expires {token.expires_at:%Y-%m-%d}. It is not stored and cannot be shown again.",
        err=True,
    )


vftops_cli.add_command(token_cli)


def init_app(app) -> None:
    app.cli.add_command(vftops_cli)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run as: flask --app vftops vftops …")
