"""Dashboard read: DynamoDB round trips and read units per user size, and the rollup's own time."""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import header, item_size, ratio

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


def _seed(users: dict[str, tuple[int, int, int]]) -> None:
    from tests.support import events as ev

    raws: list[dict[str, Any]] = []
    for user, (sessions, vods, attachments) in users.items():
        raws.append(ev.profile(f"Name {user}", user=user))
        raws += [ev.live(f"s{i}", 30, 20, user=user) for i in range(sessions)]
        raws += [ev.vod(f"v{i}", 20, 20, 100, user=user) for i in range(vods)]
        raws += [ev.download(f"a{i}", f"s{i % max(sessions, 1)}", user=user) for i in range(attachments)]
    raws += [ev.catalog_session(f"s{i}", f"Session {i}") for i in range(100)]
    raws += [ev.catalog_vod(f"v{i}", f"Video {i}", 100) for i in range(50)]
    raws += [ev.catalog_attachment(f"a{i}", f"File {i}.pdf", "pdf", f"s{i}") for i in range(100)]
    from tests.support.pipeline import apply_events

    with contextlib.redirect_stdout(io.StringIO()):  # the aggregator's EMF metrics
        apply_events(raws)


def main(size: str = "full") -> dict[str, Any]:
    from moto import mock_aws

    header("dashboard read")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "b",
        "AWS_SECRET_ACCESS_KEY": "b",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    # "capped": past the 200-row cap in sessions and attachments (SPEC section 11 "Lists").
    users = {"one": (1, 0, 0), "ten": (10, 5, 10), "hundred": (100, 50, 100), "capped": (250, 50, 300)}
    results: dict[str, Any] = {}
    with mock_aws():
        from infra.provision import provision

        os.environ.update(provision(prefix="bench", shard_count=1).environment())
        from shared import clients, settings

        settings.get_settings.cache_clear()  # other benchmarks in this process may have read settings
        clients.reset()
        from dal import reads
        from dal.items import bind_table, botocore_client
        from dal.reads import BATCH_GET_LIMIT, user_activity
        from domain.dashboard import dashboard_catalog_keys, rollup_user
        from logic.dashboard import read_catalog

        catalog_reads: list[int] = []
        read = reads.catalog

        def counted(event_id: str, sort_keys: Any) -> Any:
            wanted = set(sort_keys)
            catalog_reads.append(len(wanted))
            return read(event_id, wanted)

        reads.catalog = counted  # restored below: other benchmarks share this process

        bind_table(os.environ["TABLE_NAME"])
        _seed(users if size == "full" else {"ten": users["ten"]})
        client = botocore_client()
        for user in users if size == "full" else ["ten"]:
            calls: list[str] = []
            catalog_reads.clear()
            read_bytes = [0]

            def count(model: Any, **_: Any) -> None:
                calls.append(model.name)  # noqa: B023 - bound per user on purpose

            rcu = [0.0]

            def weigh(parsed: dict[str, Any], **_: Any) -> None:
                """Eventually consistent: 0.5 RCU per 4 KB; a Query sums its items, BatchGet bills each."""
                from dal.writes import plain

                queried = [item_size(plain(raw)) for raw in parsed.get("Items", [])]
                fetched = [item_size(plain(i)) for t in parsed.get("Responses", {}).values() for i in t]
                read_bytes[0] += sum(queried) + sum(fetched)  # noqa: B023
                rcu[0] += 0.5 * max(1, -(-sum(queried) // 4096)) if "Items" in parsed else 0  # noqa: B023
                rcu[0] += sum(0.5 * max(1, -(-size // 4096)) for size in fetched)  # noqa: B023

            client.meta.events.register("before-call.dynamodb", count)
            client.meta.events.register("after-call.dynamodb", weigh)
            activity = user_activity("e1", user)
            query_pages = len(calls)  # a Query's pages follow one another
            names = read_catalog("e1", lambda known: dashboard_catalog_keys(activity, known))  # noqa: B023
            client.meta.events.unregister("before-call.dynamodb", count)
            client.meta.events.unregister("after-call.dynamodb", weigh)
            # Each catalog read sends its BatchGetItems side by side (reads._batch_get: up to 8 at once),
            # so a read of n keys is ceil(ceil(n / 100) / 8) round trips.
            waves = sum(math.ceil(math.ceil(n / BATCH_GET_LIMIT) / 8) for n in catalog_reads)
            trips = query_pages + waves
            began = time.perf_counter()
            rounds = 50 if size == "full" else 3
            for _ in range(rounds):
                board = rollup_user(activity, names, datetime.now(UTC))
            rollup_ms = (time.perf_counter() - began) / rounds * 1000
            results[user] = {"round_trips": trips, "calls": calls, "rcu": rcu[0], "rollup_ms": rollup_ms}
            print(
                f"{user:>8}: sessions {len(board.sessions)}/{board.lists.sessions.count}, VODs "
                f"{len(board.vods)}, attachments {len(board.attachments.items)}/"
                f"{board.attachments.count} (shown/all): {trips} round trips ({len(calls)} requests {calls}; "
                f"catalog keys per read {catalog_reads}), {rcu[0]:.1f} RCU, "
                f"{read_bytes[0]} bytes read, rollup {rollup_ms:.2f} ms"
            )
        reads.catalog = read
    biggest = results.get("hundred", results["ten"])
    ratio("dashboard_round_trips@100_sessions", biggest["round_trips"], "<= 3")
    if "capped" in results:
        ratio("dashboard_round_trips@200_row_cap", results["capped"]["round_trips"], "<= 3")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
