"""Local stack entry point (``make run``). The full stack lands with the local-stack issue."""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "The local stack is not there yet: `make run` will start moto, the gateway on "
        "http://127.0.0.1:3000 and the demo event once the local-stack issue lands.\n"
        "Today `make test` runs the whole pipeline (collector -> Kinesis -> aggregator -> DynamoDB) on moto.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
