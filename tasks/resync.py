"""``celery -A tasks resync RECORD_ID…`` and ``celery -A tasks resync --failed``.

For the person on call: re-enqueue a record by hand after fixing its data, or
replay every parked record from the dead-letter queue. Registered through the
``celery.commands`` entry point (see ``pyproject.toml``). Resyncing is always
safe: the sync is idempotent and bursts coalesce.
"""

from __future__ import annotations

import click
from celery.bin.base import CeleryCommand, handle_preload_options

from syncapp.enqueue import Enqueuer
from syncapp.sfid import is_salesforce_id, to_18
from tasks import deadletter
from tasks.celery_app import app


@click.command(cls=CeleryCommand)
@click.argument("record_ids", nargs=-1)
@click.option("--failed", is_flag=True, help="Replay every record in the dead-letter queue.")
@click.option("--list", "list_only", is_flag=True, help="With --failed: show, do not replay.")
@click.pass_context
@handle_preload_options
def resync(ctx, record_ids, failed, list_only, **kwargs):
    """Re-enqueue Salesforce records for a sync."""
    if not record_ids and not failed:
        raise click.UsageError("give record ids, or --failed")
    bad = [r for r in record_ids if not is_salesforce_id(r)]
    if bad:
        raise click.BadParameter(f"{len(bad)} argument(s) are not Salesforce record ids")
    targets = [to_18(r) for r in record_ids]
    if failed:
        parked = deadletter.drain(keep=list_only)
        for letter in parked:
            ctx.obj.echo(
                f"dead letter: record={letter.record_id} task={letter.task} kind={letter.kind}"
            )
        if list_only:
            return
        targets += [letter.record_id for letter in parked]
    done = deadletter.enqueue_once(targets, Enqueuer(app))
    for record_id, job_id in done:
        ctx.obj.echo(f"enqueued {record_id} job={job_id}")
    if not done:
        ctx.obj.echo("nothing to resync")
