"""Scheduled game days: schedules in APScheduler's SQLite job store, and the scheduler.

- ``models``: ``ScheduleSpec``, what ``gameday schedule add`` stores;
- ``windows``: blackouts, windows and the seeded random start (pure);
- ``cron`` and ``trigger``: crontab text to the ``GameDayTrigger`` of a job;
- ``checks``: what ``schedule add`` refuses;
- ``store``: ``ScheduleStore``, the job store the CLI edits;
- ``service``, ``launcher``, ``notify``: the ``gameday scheduler`` process, its
  drill subprocesses and its webhook.

Nothing is imported here, so ``gameday`` commands that do not schedule do not
pay for SQLAlchemy (``docs/schedules.md``).
"""
