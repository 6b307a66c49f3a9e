"""Cleanup planning for LCARS: which library items leave, when, and why.

Pure and synchronous: no Home Assistant, no I/O. The Home Assistant layer
builds the candidates from the service snapshots, calls `plan_cleanup`,
executes `Plan.delete_now` through the clients and stores `Plan.ledger`.
"""

from __future__ import annotations

from .ledger import LEDGER_VERSION, Ledger, LedgerEntry, LedgerError
from .model import (
    Candidate,
    DiskFigure,
    ItemKind,
    MediaIds,
    MediaType,
    SourceHealth,
    SourceStatus,
)
from .plan import (
    DeletionItem,
    DiskLimit,
    Expiry,
    FailReason,
    HeldItem,
    LeavingSoonItem,
    LedgerChange,
    Plan,
    PlanTotals,
    ProtectedItem,
    Protection,
    RollingLimit,
    RootFolderOutlook,
    TagLimit,
)
from .planner import plan_cleanup, protections_of
from .policy import CleanupPolicy, PolicyError, PolicyNotice

__all__ = [
    "LEDGER_VERSION",
    "Candidate",
    "CleanupPolicy",
    "DeletionItem",
    "DiskFigure",
    "DiskLimit",
    "Expiry",
    "FailReason",
    "HeldItem",
    "ItemKind",
    "LeavingSoonItem",
    "Ledger",
    "LedgerChange",
    "LedgerEntry",
    "LedgerError",
    "MediaIds",
    "MediaType",
    "Plan",
    "PlanTotals",
    "PolicyError",
    "PolicyNotice",
    "ProtectedItem",
    "Protection",
    "RollingLimit",
    "RootFolderOutlook",
    "SourceHealth",
    "SourceStatus",
    "TagLimit",
    "plan_cleanup",
    "protections_of",
]
