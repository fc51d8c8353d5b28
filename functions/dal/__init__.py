"""Data access: DynamoDB through PynamoDB models (items), the aggregator's store (writes), reads.

Handlers only bind the table here; they never touch the item models themselves.
"""

from dal.items import bind_table

__all__ = ["bind_table"]
