"""Generate docs from the code: the CLI reference and a data dictionary per template.

python -m xl_crm.docgen docs        # rewrite docs/cli.md and docs/templates/*.md
python -m xl_crm.docgen docs --check  # exit 1 when they are out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from xl_crm.specs import builtin_names, load_spec
from xl_crm.xlsx.texts import TYPE_LABELS


def cli_reference() -> str:
    from xl_crm.cli.app import app

    root = typer.main.get_command(app)
    runner = CliRunner()
    lines = ["# CLI reference", "", "Generated from `--help` by `make docs`; do not edit.", ""]

    def walk(cmd, path: list[str]) -> None:
        result = runner.invoke(app, [*path, "--help"], prog_name="xl-crm", terminal_width=100)
        name = " ".join(["xl-crm", *path])
        lines.extend([f"## `{name}`", "", "```text", result.output.rstrip(), "```", ""])
        for sub in sorted(getattr(cmd, "commands", {})):
            walk(cmd.commands[sub], [*path, sub])

    walk(root, [])
    return "\n".join(lines)


def data_dictionary(name: str) -> str:
    spec = load_spec(name)
    lines = [
        f"# {spec.title.zh} / {spec.title.en} (`{name}`)",
        "",
        "Generated from `templates/` by `make docs`; do not edit.",
        "",
    ]
    if spec.extends:
        lines += [f"Extends [`{spec.extends}`]({spec.extends}.md).", ""]
    if spec.description:
        lines += [spec.description.zh, "", spec.description.en, ""]
    for sheet in spec.sheets:
        lines += [f"## {sheet.label.zh} / {sheet.label.en} (`{sheet.id}`)", ""]
        if sheet.description:
            lines += [f"{sheet.description.zh} {sheet.description.en}", ""]
        if sheet.key:
            lines.append(f"- key: `{sheet.key}`")
        for combo in sheet.unique_together:
            lines.append(f"- unique together: {', '.join(f'`{c}`' for c in combo)}")
        for ref in sheet.references:
            lines.append(f"- `{ref.field}` refers to `{ref.to}`")
        for rule in sheet.rules:
            lines.append(f"- rule `{rule.id}` ({rule.severity}): `{rule.check}`")
        lines += [
            "",
            "| field | 中文 | English | type | required | unique | max length | choices / computed "
            "| aliases |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in sheet.fields:
            extra = f"computed: `{f.computed}`" if f.computed else "、".join(f.choice_labels("zh"))
            lines.append(
                f"| `{f.id}` | {f.label.zh} | {f.label.en} | {f.type} ({TYPE_LABELS[f.type][0]}) "
                f"| {'yes' if f.required or sheet.key == f.id else ''} "
                f"| {'yes' if f.unique or sheet.key == f.id else ''} "
                f"| {f.effective_max_length or ''} | {extra} | {', '.join(f.aliases)} |"
            )
        lines.append("")
    for seg in spec.segments:
        lines += [
            f"## Segment `{seg.id}` -> `{seg.sheet}.{seg.field}`",
            "",
            "First match wins:",
            "",
        ]
        for rule in seg.rules:
            lines.append(f"- `{rule.value}` when `{rule.when}`")
        if seg.otherwise:
            lines.append(f"- otherwise `{seg.otherwise}`")
        lines.append("")
    return "\n".join(lines)


def rule_catalogue() -> str:
    from xl_crm.validation.rules import RULES

    lines = [
        "# Validation rules",
        "",
        "Generated from `xl_crm/validation/rules.py` by `make docs`; do not edit.",
        "",
        "Every finding carries one of these slugs. The severity is the default; a field with",
        "`severity: warning` in its template, a row rule or a reference can lower it.",
        "Placeholders: `{header}` the column as written, `{value}` the cell (masked with",
        "`--mask`), `{limit}` the bound or reason, `{choices}` the allowed values, `{other}` the",
        "other cell or row, `{rule}` the row rule's message, `{sheet}` the referenced sheet.",
        "",
    ]
    for r in RULES.values():
        lines += [
            f"## `{r.slug}`: {r.title[0]} / {r.title[1]}",
            "",
            f"- severity: {r.severity}",
            f"- message (zh): {r.message[0]}",
            f"- message (en): {r.message[1]}",
            f"- fix: {r.hint[0]} / {r.hint[1]}",
            f"- example: `{r.example}`",
            "",
        ]
    return "\n".join(lines)


def error_catalogue() -> str:
    """docs/errors.md: every class of the error tree with its reason slug, its meaning
    (the class docstring) and its usual fix."""
    import inspect

    from xl_crm.errors import FAMILIES, error_classes

    later = ", ".join(
        f"`{cls.reason}`" for cls in error_classes() if cls.exit_code == 3 and cls not in FAMILIES
    )
    lines = [
        "# Errors",
        "",
        "Generated from `xl_crm/errors/` by `make docs`; do not edit.",
        "",
        "Every error xl-crm raises on purpose is an `xl_crm.XlCrmError`. Its `reason` is one of",
        "the stable slugs below (match on it, not on the text); it says where the problem is",
        "(`file`, `sheet`, `cell`, `field`), what was `expected` and how to fix it, in Chinese",
        "and English: `error.text('zh')`, `error.text('en')` (`str(error)`), `error.to_dict()`.",
        "The command line prints `错误: …` / `error: …` on stderr in `--lang` and exits with the",
        "error's `exit_code`: 2, or 3 for a failure that may pass when tried again later",
        f'({later}); with `--json FILE|-` it also writes `{{"error": error.to_dict()}}` there:',
        "",
        "```json",
        '{"error": {"reason": "file-not-found", "message": {"zh": "找不到文件", "en": "file not',
        ' found"}, "expected": null, "fix": {"zh": "检查路径", "en": "check the path"},',
        ' "file": "客户.xlsx", "sheet": null, "cell": null, "field": null, "exit_code": 2}}',
        "```",
        "",
        "| reason | class | is a | meaning |",
        "|---|---|---|---|",
    ]
    details = []
    for cls in error_classes():
        first = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
        doc = re.sub(r":\w+:`([^`]*)`", r"`\1`", " ".join(first.split()).replace("``", "`"))
        parent = cls.__mro__[1].__name__
        family = " (family: never raised itself)" if cls in FAMILIES else ""
        lines.append(f"| `{cls.reason}` | `{cls.__name__}` | `{parent}` | {doc}{family} |")
        details += [
            f"## `{cls.reason}`",
            "",
            f"`xl_crm.errors.{cls.__name__}`{family}. {doc}",
            "",
            f"- exit code: {cls.exit_code}",
            f"- fix (zh): {cls.fix[0]}",
            f"- fix (en): {cls.fix[1]}",
            "",
        ]
    return "\n".join([*lines, "", *details])


def generated(docs: Path) -> dict[Path, str]:
    files = {
        docs / "cli.md": cli_reference(),
        docs / "rules.md": rule_catalogue(),
        docs / "errors.md": error_catalogue(),
    }
    for name in builtin_names():
        files[docs / "templates" / f"{name}.md"] = data_dictionary(name)
    return files


def main(argv: list[str]) -> int:
    docs = Path(argv[0]) if argv and not argv[0].startswith("-") else Path("docs")
    check = "--check" in argv
    stale = []
    for path, text in generated(docs).items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(f"out of date: {path} (run make docs)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
