"""A `celery worker` reports that it is alive: its main process writes a heartbeat row from
a thread (grader.service.workers) from the moment it is ready to take tasks, and deletes the
row on a warm shutdown. Pool processes write nothing: the row is per worker, and a worker
killed outright simply stops refreshing it and ages out."""

from __future__ import annotations

from celery.signals import worker_ready, worker_shutdown
from flask import Flask

from grader.service.workers import Heartbeat


def connect_heartbeat(flask_app: Flask) -> None:
    beats: list[Heartbeat] = []

    @worker_ready.connect(weak=False)
    def start(sender, **_kwargs) -> None:  # sender: the worker's consumer
        if beats:  # ready again after a broker reconnect: it is already beating
            return
        heartbeat = Heartbeat(
            flask_app.extensions["dlgrader.sessions"],
            sender.hostname,
            concurrency=sender.controller.concurrency,
            every=flask_app.config["WORKER_HEARTBEAT_EVERY"],
        )
        beats.append(heartbeat)
        heartbeat.start()

    @worker_shutdown.connect(weak=False)
    def stop(**_kwargs) -> None:
        while beats:
            beats.pop().stop()
