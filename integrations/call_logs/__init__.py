"""Contact-centre call logs: column mappings and a streaming reader."""

from integrations.call_logs.mapping import CallLogMapping, MappingError, shipped_mappings
from integrations.call_logs.reader import CallRecord, RejectedRow, read_call_log

__all__ = [
    "CallLogMapping",
    "CallRecord",
    "MappingError",
    "RejectedRow",
    "read_call_log",
    "shipped_mappings",
]
