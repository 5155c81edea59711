"""The run's shared clock file: one writer pauses, resumes and re-speeds, readers follow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.clock import MAX_WALL_WAIT_S, US, ClockFile, SharedClock


class Wall:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(tmp_path: Path, wall: Wall) -> tuple[SharedClock, SharedClock]:
    path = tmp_path / "clock"
    ClockFile.create(path, 8 * 3600 * US, 60.0, wall.t).close()
    return SharedClock(path, writable=True, wall=wall), SharedClock(path, wall=wall)


def test_runs_at_speed_from_the_anchor(tmp_path: Path) -> None:
    wall = Wall()
    _, reader = make(tmp_path, wall)
    wall.t += 1.5
    assert reader.now() == 8 * 3600 * US + 90 * US
    assert reader.wall_delay(30 * US) == pytest.approx(min(0.5, MAX_WALL_WAIT_S))
    assert reader.wall_time_of(reader.now() + 60 * US) == pytest.approx(wall.t + 1.0)


def test_pause_stops_every_reader_and_resume_continues_without_a_jump(tmp_path: Path) -> None:
    wall = Wall()
    writer, reader = make(tmp_path, wall)
    wall.t += 1.0
    assert writer.pause() is True
    assert writer.pause() is False
    stopped = reader.now()
    wall.t += 100.0
    assert reader.now() == stopped
    assert reader.paused
    assert reader.wall_time_of(stopped + US) is None
    assert reader.wall_delay(US) == MAX_WALL_WAIT_S
    assert writer.resume() is True
    assert writer.resume() is False
    assert reader.now() == stopped
    wall.t += 1.0
    assert reader.now() == stopped + 60 * US


def test_set_speed_keeps_drill_time_continuous(tmp_path: Path) -> None:
    wall = Wall()
    writer, reader = make(tmp_path, wall)
    wall.t += 2.0
    before = reader.now()
    writer.set_speed(600.0)
    assert reader.now() == before
    wall.t += 1.0
    assert reader.now() == before + 600 * US
    with pytest.raises(ValueError, match="positive"):
        writer.set_speed(0)


def test_a_reader_cannot_write(tmp_path: Path) -> None:
    _, reader = make(tmp_path, Wall())
    with pytest.raises(TypeError):
        reader.pause()


def test_another_process_sees_the_pause(tmp_path: Path) -> None:
    writer, _ = make(tmp_path, Wall())
    writer.pause()
    code = (
        "import sys; from pathlib import Path; from services.clock import SharedClock;"
        "c = SharedClock(Path(sys.argv[1])); print(c.paused, c.now())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "clock")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["True", str(writer.now())]


def test_services_refuse_a_missing_clock_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.alerts", "--clock-file", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "--clock-file" in done.stderr and "Traceback" not in done.stderr
