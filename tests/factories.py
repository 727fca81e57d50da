"""Builders shared by the test modules."""

from __future__ import annotations

from typing import Any

MANDATORY_COURSES = (
    "safeguarding_adults",
    "moving_handling",
    "infection_prevention",
    "basic_life_support",
)


def compliant_records(
    *,
    checked_on: str = "2020-01-01",
    dbs_issued: str = "2025-06-01",
    trained_on: str = "2026-01-01",
) -> dict[str, Any]:
    """The compliance records of a worker who passes every check of rules.md section 1
    (for gaps within three years of ``dbs_issued``): GB care experience since 2020,
    List A right to work, enhanced DBS with the adults' barred list, a full
    Regulation 19 file and every mandatory course without expiry."""
    return {
        "training": [
            {"course": course, "completed": trained_on, "expires": None}
            for course in MANDATORY_COURSES
        ],
        "experience": [
            {
                "role": "care_assistant",
                "sector": "adult_social_care",
                "country": "GB",
                "start": "2020-01-01",
                "end": None,
            }
        ],
        "right_to_work": {"check": "list_a", "checked_on": checked_on},
        "dbs": {
            "level": "enhanced",
            "adults_barred_list": True,
            "issued": dbs_issued,
            "update_service": False,
        },
        "reg19": {
            "photo_id_verified": True,
            "conduct_evidence": True,
            "reasons_for_leaving_verified": True,
            "employment_history_complete": True,
            "health_declaration": True,
        },
    }
