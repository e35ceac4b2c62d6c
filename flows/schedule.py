"""``zcps serve``: a Prefect deployment of ``batch_review`` that runs on a cron schedule.

The default schedule is 02:00 Asia/Shanghai on 18 July, the day after the units' checking window
(1–17 July, notice §一(四)) closes. The serving process stays up and starts each scheduled (or
UI-triggered) run in a subprocess; those runs read the same ZCPS_* environment, so the store
and its credentials come from the serving host, never from the deployment's parameters.
"""

from __future__ import annotations

import logging
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from storage.intake import check_batch_name
from zcps.errors import ConfigError
from zcps.settings import Settings, get_settings

log = logging.getLogger("zcps.schedule")

# Prefect's default thread pool is unbounded; scheduled runs keep to ZCPS_CONCURRENCY like `zcps run`.
THREAD_POOL_ENV = "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS"


class SchedulePlan(BaseModel):
    deployment: str
    batch: str
    cron: str
    timezone: str

    @property
    def full_name(self) -> str:
        return f"batch_review/{self.deployment}"


def deployment_name(batch: str) -> str:
    return f"zcps-{batch}"


def plan_schedule(batch: str | None = None, settings: Settings | None = None) -> SchedulePlan:
    """The deployment for a batch (default ZCPS_SCHEDULE_BATCH), its cron and time zone checked."""
    from prefect.schedules import Cron

    settings = settings or get_settings()
    batch = check_batch_name(batch or settings.schedule_batch)
    try:
        ZoneInfo(settings.schedule_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"ZCPS_SCHEDULE_TIMEZONE={settings.schedule_timezone!r} is not a time zone",
                          hint="Use an IANA name such as Asia/Shanghai.") from None
    try:
        Cron(settings.schedule_cron, timezone=settings.schedule_timezone)
    except ValueError:
        raise ConfigError(f"ZCPS_SCHEDULE_CRON={settings.schedule_cron!r} is not a cron expression",
                          hint="Use five fields: minute hour day-of-month month weekday, e.g. '0 2 18 7 *'.") from None
    return SchedulePlan(deployment=deployment_name(batch), batch=batch, cron=settings.schedule_cron,
                        timezone=settings.schedule_timezone)


def serve_batch(plan: SchedulePlan, settings: Settings | None = None) -> None:
    """Register the deployment with its schedule and serve it until interrupted (blocks)."""
    from prefect.schedules import Cron

    from flows.batch import batch_review

    settings = settings or get_settings()
    os.environ.setdefault(THREAD_POOL_ENV, str(settings.concurrency))
    log.info("serving %s: cron %r in %s", plan.full_name, plan.cron, plan.timezone)
    batch_review.serve(name=plan.deployment, schedules=[Cron(plan.cron, timezone=plan.timezone)],
                       parameters={"batch": plan.batch}, tags=["zcps", f"batch-{plan.batch}"],
                       description=f"zcps batch review of batch {plan.batch}", print_starting_message=True)
