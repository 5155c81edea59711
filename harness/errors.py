"""One exception tree for the harness, and the process exit codes.

```
GamedayError                 anything the harness reports as one line
├── UsageError               bad command line or configuration (exit 4)
│   ├── ConfigError          a drill, runbook or settings file is wrong (exit 4)
│   └── EngineUnavailable    --backend docker, and no Docker Engine answers (exit 4)
├── TopologyError            the system under test could not be brought up (exit 3)
│   └── ImageError           a container image could not be made (exit 3)
└── RunNotFound              no such run id in the state directory (exit 4)
```
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every ``gameday`` command."""

    OK = 0
    EXPECTATIONS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4


class GamedayError(Exception):
    """An error reported to the user as one line, with an exit code."""

    exit_code = ExitCode.INTERNAL_ERROR


class UsageError(GamedayError):
    exit_code = ExitCode.USAGE_ERROR


class ConfigError(UsageError):
    """A file the user wrote is wrong: the message names the file and field."""


class EngineUnavailable(UsageError):
    """The ``docker`` backend was asked for and no Docker Engine answers."""


class TopologyError(GamedayError):
    exit_code = ExitCode.INTERNAL_ERROR


class ImageError(TopologyError):
    """The docker backend's image could not be bootstrapped, built or found."""


class RunNotFound(UsageError):
    pass
