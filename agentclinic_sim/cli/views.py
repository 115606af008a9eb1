"""Rich views shared by ``run``, ``replay`` and ``play``: the summary table and a consultation's panels."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agentclinic_sim.exam_score import ExamScore
from agentclinic_sim.metrics import RunSummary
from agentclinic_sim.transcript import EpisodeRecord
from agents.types import Role, Turn

ROLE_STYLE: dict[str, str] = {
    Role.DOCTOR: "cyan",
    Role.PATIENT: "magenta",
    Role.MEASUREMENT: "yellow",
    Role.MODERATOR: "green",
    Role.SYSTEM: "dim",
}
ROLE_TITLE: dict[str, str] = {
    Role.DOCTOR: "Doctor",
    Role.PATIENT: "Patient",
    Role.MEASUREMENT: "Measurement",
    Role.MODERATOR: "Judge",
    Role.SYSTEM: "Clinic",
}


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def exam_text(exam: ExamScore) -> str:
    """One episode's exam recommendation: F1, precision and recall, and the counts they come from."""
    return (
        f"exam F1 {exam.f1:.2f} (precision {_fraction(exam.precision)}, recall {exam.recall:.2f}; "
        f"{exam.hits}/{exam.requested} test requests hit, {exam.matched}/{exam.listed} listed tests)"
    )


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _metric_rows(summary: RunSummary) -> list[tuple[str, str]]:
    """The rows beyond accuracy: exam recommendation, tests per correct diagnosis, turns to diagnosis."""
    exam = "-"
    if summary.exam_f1 is not None:
        exam = (
            f"F1 {_share(summary.exam_f1)} · precision {_share(summary.exam_precision)} · "
            f"recall {_share(summary.exam_recall)}  ({summary.exam_scored} episodes with listed tests)"
        )
    return [
        ("turns to diagnosis", _number(summary.turns_to_diagnosis)),
        ("tests / correct", _number(summary.tests_per_correct)),
        ("exam recommendation", exam),
    ]


def _category_rows(summary: RunSummary) -> list[tuple[str, str]]:
    return [
        (
            "accuracy by category" if number == 0 else "",
            f"{escape(category)}: {_share(counts.accuracy)} ({counts.correct}/{counts.n})",
        )
        for number, (category, counts) in enumerate(summary.accuracy_by_category.items())
    ]


def summary_table(summary: RunSummary, title: str) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    accuracy = "-"
    if summary.accuracy is not None and summary.accuracy_ci95 is not None:
        low, high = summary.accuracy_ci95
        accuracy = f"{summary.accuracy:.1%}  (95% CI {low:.1%} – {high:.1%}, {summary.correct}/{summary.completed})"
    rows: list[tuple[str, str]] = [
        ("episodes", str(summary.n)),
        ("completed", str(summary.completed)),
        ("errored", f"[red]{summary.errored}[/]" if summary.errored else "0"),
        ("accuracy", accuracy),
        ("mean turns", f"{summary.mean_turns:.1f}" if summary.mean_turns is not None else "-"),
        ("tests / episode", f"{summary.tests_per_episode:.1f}" if summary.tests_per_episode is not None else "-"),
        *_metric_rows(summary),
        *_category_rows(summary),
        (
            "tokens by role",
            ", ".join(f"{role} {count:,}" for role, count in sorted(summary.tokens_by_role.items()) if count) or "-",
        ),
        ("wall time", f"{summary.wall_s:.1f} s" if summary.wall_s is not None else "-"),
    ]
    if summary.sample_accuracy_mean is not None and summary.sample_accuracy_sd is not None:
        rows.append(
            ("per-sample accuracy", f"{summary.sample_accuracy_mean:.1%} ± {summary.sample_accuracy_sd:.1%} (sd)")
        )
    if summary.feedback_rating is not None or summary.feedback_confidence is not None:
        rows.append(
            (
                "patient feedback",
                feedback_line(summary.feedback_confidence, summary.feedback_follow_up, summary.feedback_rating, ".1f"),
            )
        )
    for error, count in list(summary.errors.items())[:3]:
        rows.append(("error", f"{count}× {escape(error)}"))
    for key, value in rows:
        table.add_row(key, value)
    return table


def feedback_line(confidence: float | None, follow_up: float | None, rating: float | None, form: str = "") -> str:
    """The patient's view of the doctor in one line (each 1-10; '-' where it was not read)."""
    parts = {"confidence": confidence, "come back": follow_up, "rating": rating}
    return " · ".join(f"{name} {'-' if value is None else format(value, form)}/10" for name, value in parts.items())


def header(record: EpisodeRecord, position: str = "") -> Panel:
    backends = "  ".join(f"{role}: {escape(name)}" for role, name in record.backends.items())
    body = f"[bold]{escape(record.objective)}[/]\n[dim]{backends}[/]"
    mode = " · vignette" if record.mode == "vignette" else ""
    title = f"{escape(record.case_id)} · sample {record.sample}{mode}" + (f" · {position}" if position else "")
    return Panel(body, title=title, border_style="bold")


def turn_panel(turn: Turn, index: int) -> Panel:
    style = ROLE_STYLE.get(turn.role, "white")
    if turn.role == "moderator":
        style = "green" if turn.text.startswith("Correct") else "red"
    subtitle = ""
    if turn.prompt_tokens or turn.completion_tokens:
        subtitle = f"{turn.completion_tokens} tokens · {turn.latency_s:.2f} s · {escape(turn.backend)}"
    return Panel(
        Text(turn.text),
        title=f"{index}. {ROLE_TITLE.get(turn.role, turn.role)}",
        title_align="left",
        subtitle=subtitle or None,
        subtitle_align="right",
        border_style=style,
    )


def verdict_panel(record: EpisodeRecord) -> Panel:
    if record.error:
        return Panel(f"[red]errored:[/] {escape(record.error)}", title="Result", border_style="red")
    if record.diagnosis is None:
        verdict = "[red]no diagnosis[/] (turn limit reached)"
    else:
        mark = "[green]correct[/]" if record.correct else "[red]wrong[/]"
        verdict = f"{mark}: {escape(record.diagnosis)}"
    judge = (
        f"\n[dim]judge {escape(record.judge)}: {escape(record.verdict.reason)}[/]"
        if record.verdict and record.judge
        else ""
    )
    body = (
        f"Correct diagnosis: [bold]{escape(record.correct_diagnosis)}[/]\nDoctor: {verdict}{judge}\n"
        f"reward {record.reward:g} · turns {record.turns_used}/{record.max_turns} · tests {len(record.tests_requested)}"
        + (f"\n{exam_text(record.exam)}" if record.exam is not None else "")
    )
    feedback = record.patient_feedback
    if feedback is not None:
        body += f"\nPatient's view: {feedback_line(feedback.confidence, feedback.follow_up, feedback.rating)}"
    return Panel(body, title="Result", border_style="green" if record.correct else "red")


def episode_body(record: EpisodeRecord, upto: int | None = None) -> RenderableType:
    """The turns up to ``upto`` (all of them when None); the verdict shows once every turn has."""
    shown = record.turns if upto is None else record.turns[:upto]
    parts: list[RenderableType] = [turn_panel(turn, index) for index, turn in enumerate(shown, start=1)]
    vignette = record.doctor_prompt.vignette if record.doctor_prompt else None
    if vignette:
        parts.insert(0, Panel(Text(vignette), title="What the doctor read", title_align="left", border_style="dim"))
    if upto is None or upto >= len(record.turns):
        parts.append(verdict_panel(record))
    return Group(*parts)


def episode_view(record: EpisodeRecord, upto: int | None = None, position: str = "") -> RenderableType:
    """Header, turns and (at the end) the verdict of one consultation."""
    return Group(header(record, position), episode_body(record, upto))
