"""`monitor status`: feed health, the service's schedule and the delivery outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.base import Context, cut, fail, pass_ctx
from monitor.errors import MonitorError

if TYPE_CHECKING:
    pass


def _dt(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def status(ctx: Context, as_json: bool) -> None:
    """Feed health, the service's schedule and the delivery outbox."""
    from monitor.locks import running_pid
    from monitor.service import next_digest_time

    try:
        settings = ctx.settings()
        with ctx.store(settings) as store:
            store.sync_feeds(settings.feeds, ctx.clock())
            feeds = store.feeds([f.url for f in settings.feeds])
            counts = store.counts()
            state = store.state()
            outbox = store.deliveries()[:50]
    except MonitorError as exc:
        fail(exc)
        return
    pid = running_pid(settings.database)
    cfg = settings.digest
    # The running service records its own next times; otherwise say when the next would be.
    computed = _dt(next_digest_time(ctx.clock(), cfg.at, cfg.tz))
    service = {
        "running": pid is not None,
        "pid": pid,
        "next_poll": state.get("next_poll") if pid else None,
        "next_digest": (state.get("next_digest") or computed) if pid else computed,
        "last_heartbeat": state.get("service_heartbeat"),
    }
    rows = [
        {
            "name": f.name,
            "url": f.url,
            "group": f.group,
            "status": f.last_status or "never-polled",
            "last_attempt": _dt(f.last_attempt),
            "last_success": _dt(f.last_success),
            "last_error": f.last_error,
            "consecutive_errors": f.consecutive_errors,
            "entries_seen": f.entries_seen,
            "next_poll_not_before": _dt(f.next_poll),
            "paused": f.paused,
            "entries_rejected": f.entries_rejected,
            "last_rejected": f.last_rejected,
        }
        for f in feeds
    ]
    deliveries = [
        {
            "date": d.digest_date.isoformat(),
            "channel": d.channel,
            "recipient": d.recipient,
            "status": d.status,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "next_attempt": _dt(d.next_attempt) if d.status == "pending" else None,
            "sent_at": _dt(d.sent_at),
        }
        for d in outbox
    ]
    if as_json:
        out = {"feeds": rows, "totals": counts, "service": service, "deliveries": deliveries}
        click.echo(json.dumps(out, indent=2))
        return

    def local(stamp: Any) -> str:  # a stored UTC time, shown in the digest's zone
        if not stamp:
            return "-"
        when = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return f"{when.astimezone(cfg.tz):%Y-%m-%d %H:%M}"

    click.echo(f"{'feed':28} {'status':13} {'last success':17} {'errors':>6} {'entries':>7}")
    for r in rows:
        click.echo(
            f"{cut(str(r['name']), 28):28} {r['status']!s:13} "
            f"{local(r['last_success']):17} {r['consecutive_errors']:>6} "
            f"{r['entries_seen']:>7}"
        )
        if r["last_error"] and r["status"] == "error":
            click.echo(f"    last error: {r['last_error']}")
        if r["paused"]:
            click.echo(f"    PAUSED: {r['paused']} (`monitor feeds resume` to poll it again)")
        elif r["next_poll_not_before"]:
            click.echo(f"    next poll not before {local(r['next_poll_not_before'])}")
        if r["entries_rejected"]:
            n = r["entries_rejected"]
            click.echo(
                f"    {n} entr{'y' if n == 1 else 'ies'} rejected, latest: {r['last_rejected']}"
            )
    click.echo(" · ".join(f"{k}: {v}" for k, v in counts.items()))
    if pid:
        click.echo(
            f"Service running (pid {pid}); next poll {local(service['next_poll'])}, "
            f"next digest {local(service['next_digest'])}."
        )
    else:
        click.echo(f"Service not running; the next digest time is {local(service['next_digest'])}.")
    for d in deliveries:
        if d["status"] != "sent":
            retry = f", next attempt {local(d['next_attempt'])}" if d["next_attempt"] else ""
            click.echo(
                f"Delivery {d['date']} {d['channel']} to {d['recipient']}: {d['status']} after "
                f"{d['attempts']} attempt(s){retry}; {d['last_error'] or ''}"
            )
    click.echo(f"Times are in {cfg.timezone}, the digest's time zone (--json gives UTC).")
