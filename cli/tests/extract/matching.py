"""The CRM matching of `intermediate.freelancers`, redone in Python, and its precision and recall.

The rule (dbt/models/intermediate/intermediate__freelancers.sql): the CRM is deduplicated by
normalised email (latest update, then highest id, wins); a user matches the customer with their
normalised email; users still unmatched match by normalised last and first name when that name
belongs to exactly one unmatched user and one unmatched customer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

User = tuple[int, str, str, str]  # id, first name, last name, email
Customer = tuple[int, Any, Any, Any, Any, str]  # id, last, first, email, score, updated_at


def normalize_name(name: str | None) -> str | None:
    if name is None:
        return None
    decomposed = unicodedata.normalize("NFKD", name.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip() or None


def normalize_email(email: str | None) -> str | None:
    return (email or "").strip().lower() or None


def match(users: Iterable[User], customers: Iterable[Customer]) -> dict[int, int]:
    """App user id -> CRM customer id."""
    users = list(users)
    latest: dict[str, Customer] = {}
    kept: list[Customer] = []
    for row in customers:
        email = normalize_email(row[3])
        if email is None:
            kept.append(row)
        elif email not in latest or (row[5], row[0]) > (latest[email][5], latest[email][0]):
            latest[email] = row
    kept.extend(latest.values())
    by_email = {normalize_email(row[3]): row[0] for row in kept if normalize_email(row[3])}
    matched = {
        uid: by_email[email.lower()] for uid, _, _, email in users if email.lower() in by_email
    }
    taken = set(matched.values())

    def name(last: str | None, first: str | None) -> tuple[str, str] | None:
        pair = (normalize_name(last), normalize_name(first))
        return pair if pair[0] and pair[1] else None  # type: ignore[return-value]

    user_names = Counter(name(last, first) for uid, first, last, _ in users if uid not in matched)
    free = [row for row in kept if row[0] not in taken]
    customer_names = Counter(name(row[1], row[2]) for row in free)
    by_name = {name(row[1], row[2]): row[0] for row in free}
    for uid, first, last, _ in users:
        key = name(last, first)
        if uid not in matched and key is not None and user_names[key] == customer_names[key] == 1:
            matched[uid] = by_name[key]
    return matched


def precision_recall(
    matches: Mapping[int, int], truth: Mapping[int, int | None]
) -> tuple[float, float, int, int]:
    """Precision, recall, false matches and users missed.

    `truth` maps each customer id to the App user it really is (None for a prospect). Recall is
    over the users the CRM knows (at least one customer row).
    """
    known = {user for user in truth.values() if user is not None}
    right = sum(1 for user, customer in matches.items() if truth.get(customer) == user)
    false = len(matches) - right
    missed = len(
        known - {user for user, customer in matches.items() if truth.get(customer) == user}
    )
    return right / max(len(matches), 1), right / max(len(known), 1), false, missed
