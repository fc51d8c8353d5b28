"""Counter names are defined once (domain.counters): the item models store exactly those names."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from dal import items
from domain import counters as c


def _numbers(model: type[items.AnalyticsItem]) -> set[str]:
    """The model's counters: number attributes, stored under their Python name."""
    found = {name for name, a in model.get_attributes().items() if isinstance(a, NumberAttribute)}
    for name in found:
        assert model.get_attributes()[name].attr_name == name, f"{model.__name__}.{name} is stored renamed"
    return found


BOOKKEEPING = {"version", "dedup_pages", "viewed", "duration"}  # numbers that count nothing


def test_the_item_models_hold_the_counters_by_their_one_name() -> None:
    session = {*c.SESSION_COUNTERS}
    assert _numbers(items.UserSession) - BOOKKEEPING == session
    assert _numbers(items.SessionTotal) == session | {
        c.LIVE_SECONDS,
        c.RECORDING_SECONDS,
        c.ENGAGED_SECONDS,
        c.DOWNLOADS,
        c.VIEWERS,
    }
    assert _numbers(items.VodTotal) == {c.VOD_SECONDS, c.DOWNLOADS, c.VIEWERS}
    assert _numbers(items.AttachmentTotal) == {c.DOWNLOADS}
    assert _numbers(items.UserAttachment) - BOOKKEEPING == {c.DOWNLOADS}
    assert _numbers(items.UserEvent) - BOOKKEEPING == {c.CHAT}
    assert _numbers(items.UserView) - BOOKKEEPING == {c.SECONDS, c.ENGAGED}


def test_every_totals_counter_is_on_a_totals_item() -> None:
    on_totals = set().union(
        *(_numbers(m) for m in (items.SessionTotal, items.VodTotal, items.AttachmentTotal))
    )
    assert on_totals == c.TOTALS
    assert set(c.SECONDS_OF.values()) <= c.TOTALS
