"""A sync plan in words, for people: what would be written, why, what is left out, and what it cost."""

from __future__ import annotations

from cpq_desktop.core.sync.plan import StepKind, SyncPlan

_KIND_WORDS = {
    StepKind.CREATE_ACCOUNT: "accounts to create",
    StepKind.UPDATE_ACCOUNT: "accounts to update",
    StepKind.UPDATE_CONTACT: "contacts to update",
    StepKind.CREATE_CONTACT: "contacts",
    StepKind.CREATE_PRODUCT: "products",
    StepKind.CREATE_PRODUCT_RATE_PLAN: "rate plans",
    StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE: "charges",
    StepKind.CREATE_ORDER: "orders",
}


def summary_line(plan: SyncPlan) -> str:
    counts = plan.counts
    writes = ", ".join(f"{counts[kind.value]} {words}" for kind, words in _KIND_WORDS.items())
    return (
        f"{plan.orders_in_scope} orders in scope: {writes}; {counts['problems']} with problems, "
        f"{counts['held_back']} held back, {counts['already_in_zuora']} already in Zuora. "
        f"Cost: {plan.salesforce_api_calls} Salesforce API calls, {plan.zuora_lookup_calls} Zuora look-ups."
    )


def format_plan(plan: SyncPlan) -> str:
    lines = [
        f"Dry run for {plan.profile!r} — {plan.scope}",
        "Nothing was written to Salesforce or Zuora.",
        "",
        f"Zuora writes in order ({len(plan.steps)}):",
    ]
    for number, step in enumerate(plan.steps, start=1):
        request = step.request
        lines.append(f"{number:>4}. {request.method} {request.path}  [{step.step_id}]")
        lines.append(f"      {step.reason}")
        lines.extend(f"        - {detail}" for detail in step.details)
        if step.depends_on:
            lines.append(f"      after: {', '.join(step.depends_on)}")
    if plan.problems:
        lines += ["", f"Records that cannot be synced ({len(plan.problems)}):"]
        lines += [f"  {p.record.text()}: [{p.error_class.value}] {p.message}" for p in plan.problems]
    if plan.held_back:
        lines += ["", f"Held back ({len(plan.held_back)}):"]
        lines += [f"  {h.record.text()}: {h.reason}" for h in plan.held_back]
    if plan.already_in_zuora:
        lines += ["", f"Already in Zuora ({len(plan.already_in_zuora)}):"]
        lines += [f"  {a.record.text()}: {a.zuora_key}" for a in plan.already_in_zuora]
    lines += ["", summary_line(plan)]
    return "\n".join(lines)
