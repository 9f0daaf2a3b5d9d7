"""The contributing-factors form."""

from __future__ import annotations

from ..forms import VersionedForm, text_field

FACTOR_TEXT = 4000


class FactorsForm(VersionedForm):
    """Each factor in a few words, or why none was identified."""

    prefix_name = "factors"
    staff_account = text_field(
        "What the staff member says is getting in the way", max_length=FACTOR_TEXT, description="In their own words."
    )
    workload_rota = text_field("Workload and rota", max_length=FACTOR_TEXT)
    induction = text_field("Induction and Care Certificate", max_length=FACTOR_TEXT)
    language_literacy = text_field("Language or literacy", max_length=FACTOR_TEXT)
    health_need = text_field(
        "Health or disability, known or suspected (restricted)",
        max_length=FACTOR_TEXT,
        description="The need, never a diagnosis. Only the staff member, registered managers and HR see this.",
    )
    caring = text_field("Caring responsibilities", max_length=FACTOR_TEXT)
    systems = text_field("Systems and process problems", max_length=FACTOR_TEXT, description="Forms, tools, staffing.")
    none_identified_reason = text_field("None identified, because … (if nothing above applies)", max_length=FACTOR_TEXT)
