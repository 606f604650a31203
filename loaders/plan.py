"""The plan as validated data: read data/plan/*.yaml into pydantic models, or fail with one Chinese error."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, computed_field

from core import settings
from core.cli import Parser, dispatch
from core.errors import ChaohuError
from core.settings import REPO as REPO_ROOT

#: Each file and the lists it holds (the first list is its main one).
FILES: dict[str, tuple[str, ...]] = {
    "units.yaml": ("units",),
    "industries.yaml": ("industries",),
    "measures.yaml": ("sections", "measures"),
    "goals.yaml": ("groups", "goals"),
    "repairs.yaml": ("repairs",),
}
#: Top-level mappings (not lists) a file may hold besides its lists.
NOTES: dict[str, tuple[str, ...]] = {"industries.yaml": ("classification",)}

#: The deadline phrases the plan uses -> (month it names or None, whether it recurs).
#: 年底前 = before the end of December. The plan states no year, so neither does the data.
DUE_PHRASES: dict[str, tuple[int | None, bool]] = {
    "6月底前": (6, False),
    "12月底前": (12, False),
    "年底前": (12, False),
    "如期": (None, False),
    "每半年": (None, True),
    "每月": (None, True),
}

TownsScope = Literal["各有关乡镇、街道", "各有关乡镇", "各乡镇、街道"]
#: The plan's qualifier words: 以上 = at least, 达到 = reach, 左右 = about, 级 = order of magnitude.
Comparator = Literal["以上", "达到", "左右", "级"]
IndustryGroup = Literal["传统优势产业", "战略性新兴产业", "生产性服务业"]
#: How the plan counts each group of the “341” system (……三大传统优势产业；……四大战略性新兴产业；积极培育一批生产性服务业):
#: a number where it gives one, else its own word.
INDUSTRY_GROUP_COUNTS: dict[str, int | str] = {"传统优势产业": 3, "战略性新兴产业": 4, "生产性服务业": "一批"}


class PlanDataError(ChaohuError):
    """A plan data file is missing or wrong; the message (Chinese) names the file, the row and the field."""


def _due_phrase(value: str) -> str:
    """Accept only the deadline phrases the plan uses, so a typo cannot pass as a deadline."""
    if value not in DUE_PHRASES:
        raise ValueError(f"时限 “{value}” 不是认可的说法（应为：{'、'.join(DUE_PHRASES)}）")
    return value


def _town_name(value: str) -> str:
    """A named town must be a 乡镇 or 街道, not a scope phrase or a unit."""
    if value.startswith("各") or not value.endswith(("镇", "乡", "街道")):
        raise ValueError(f"“{value}” 不是乡镇或街道名称（应以 镇、乡 或 街道 结尾；泛指说法写在 towns_scope）")
    return value


def _whole_as_int(value: float) -> int | float:
    """Keep 2000 as 2000, not 2000.0, so figures print as the plan writes them."""
    return int(value) if value.is_integer() else value


Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, Field(min_length=1)]
Number = Annotated[float, AfterValidator(_whole_as_int)]
DuePhrase = Annotated[str, AfterValidator(_due_phrase)]
TownName = Annotated[str, AfterValidator(_town_name)]


class _Model(BaseModel):
    """Immutable, and unknown fields are errors (a misspelt key must not vanish silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Unit(_Model):
    """A responsible unit (牵头/配合单位) as the plan names it."""

    id: Slug
    name: Text
    full_name: Text
    full_name_note: str | None = None
    aliases: tuple[Text, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling the plan uses for this unit."""
        return (self.name, *self.aliases)


class Section(_Model):
    """One of the plan's numbered parts; its title is ours when editorial (the published text lost it)."""

    number: int = Field(ge=1)
    title: Text
    editorial: bool


class Industry(_Model):
    """One industry of the "341" system."""

    id: Slug
    name: Text
    group: IndustryGroup


class Deadline(_Model):
    """A time requirement of a measure, kept as the plan's phrase (no year is stated)."""

    what: Text
    who: str | None = None
    action: Text
    by: DuePhrase
    phrase: Text

    @computed_field
    @property
    def month(self) -> int | None:
        """Month the phrase names (6, 12), or None."""
        return DUE_PHRASES[self.by][0]

    @computed_field
    @property
    def recurring(self) -> bool:
        """True for cadences (每月, 每半年) rather than one-off dates."""
        return DUE_PHRASES[self.by][1]


class _Quantity(_Model):
    """A figure of the plan: value (range value–value_max), unit, qualifier and the plan's own words for it."""

    what: Text
    value: Number
    value_max: Number | None = None
    unit: Text
    comparator: Comparator | None = None
    #: The plan's words for the figure, verbatim from `phrase`: 3支左右, “百亿级”, 由5亿元增加到10亿元.
    words: Text
    phrase: Text

    @property
    def plan_words(self) -> str:
        """The figure exactly as the plan writes it (qualifiers kept): show this, never a shortened number."""
        return self.words


class Target(_Quantity):
    """A quantified target of a measure; value_max is the top of a range like 1-2个; id (4.2-t3) lets slides cite it."""

    id: str = Field(pattern=r"^\d+\.\d+-t\d+$")
    baseline: Number | None = None


class Measure(_Model):
    """One of the plan's measures, with its responsible units, towns, deadlines and targets."""

    id: str = Field(pattern=r"^\d+\.\d+$")
    section: int
    text: Text
    lead: tuple[str, ...] = ()
    coop: tuple[str, ...] = ()
    towns: tuple[TownName, ...] = ()
    towns_scope: TownsScope | None = None
    industries: tuple[str, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    targets: tuple[Target, ...] = ()

    @computed_field
    @property
    def title(self) -> str:
        """The lead phrase: the text up to its first 。."""
        return self.text.split("。", 1)[0]

    @computed_field
    @property
    def item(self) -> int:
        """The measure's number within its section."""
        return int(self.id.split(".")[1])


class GoalGroup(_Model):
    """One of the three goal groups; its title survives in the text after ——."""

    id: Slug
    title: Text


class Goal(_Quantity):
    """One figure of the plan's goals; group is None for the overall goal."""

    id: Slug
    group: str | None = None
    horizon: str | None = None


def target_phrase(figure: Target | Goal) -> str:
    """The plan's own wording of a target or goal figure (3支左右, “百亿级”), for panels, slides and exports."""
    return figure.plan_words


class EditorialNote(_Model):
    """Something in the data that is ours, not the plan's, and the sentence the interface shows about it."""

    editorial: bool
    note: Text


class Repair(_Model):
    """A character sequence mangled in publication and what it stands for."""

    source: Text
    repaired: Text
    note: str | None = None


def repair_source_text(text: str, repairs: Sequence[Repair]) -> str:
    """Apply the documented repairs to the published text, giving the text the data was transcribed from."""
    for repair in repairs:
        text = text.replace(repair.source, repair.repaired)
    return text


def repair_text(s: str, plan_dir: Path | None = None) -> str:
    """The published text with exactly the repairs declared in repairs.yaml applied (蕞→最, 旗山?中科→旗山·中科, ######→中共)."""
    path = (Path(plan_dir) if plan_dir is not None else settings.current().plan_dir) / "repairs.yaml"
    return repair_source_text(s, _rows(path, _read_yaml(path), "repairs", Repair))


class Plan(_Model):
    """The whole plan, with the look-ups the map and reports need."""

    units: tuple[Unit, ...]
    industries: tuple[Industry, ...]
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]
    goal_groups: tuple[GoalGroup, ...]
    goals: tuple[Goal, ...]
    repairs: tuple[Repair, ...]
    #: Which measures concern which “341” industry (measures' `industries`, the map's 产业 filter) is editorial.
    industry_classification: EditorialNote

    @property
    def units_by_id(self) -> dict[str, Unit]:
        """Units keyed by id."""
        return {u.id: u for u in self.units}

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (KeyError if none)."""
        return self.units_by_id[unit_id]

    def unit_by_name(self, name: str) -> Unit | None:
        """The unit the plan calls `name` (its name or an alias), or None."""
        return next((u for u in self.units if name in u.names), None)

    def unit_names(self, unit_ids) -> str:
        """Unit ids as the plan writes their names, joined with 、 (unknown ids as they are)."""
        by_id = self.units_by_id
        return "、".join(by_id[u].name if u in by_id else u for u in unit_ids)

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id, e.g. "4.2" (KeyError if none)."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def section(self, number: int) -> Section:
        """The section with this number (KeyError if none)."""
        for s in self.sections:
            if s.number == number:
                return s
        raise KeyError(number)

    def measures_in_section(self, number: int) -> tuple[Measure, ...]:
        """The measures of one section, in plan order."""
        return tuple(m for m in self.measures if m.section == number)

    def section_counts(self) -> dict[int, int]:
        """Number of measures in each section, in section order."""
        return {s.number: len(self.measures_in_section(s.number)) for s in self.sections}

    def measures_led_by(self, unit_id: str) -> tuple[Measure, ...]:
        """Measures this unit leads (alone or jointly)."""
        return tuple(m for m in self.measures if unit_id in m.lead)

    def measures_naming_town(self, town_name: str) -> tuple[Measure, ...]:
        """Measures whose bracket names this town (not those that only say 各有关乡镇 etc.)."""
        return tuple(m for m in self.measures if town_name in m.towns)

    def target(self, target_id: str) -> Target:
        """The target with this id, e.g. "4.2-t3" (KeyError if none)."""
        for m in self.measures:
            for t in m.targets:
                if t.id == target_id:
                    return t
        raise KeyError(target_id)

    def industry(self, industry_id: str) -> Industry:
        """The industry with this id (KeyError if none)."""
        for i in self.industries:
            if i.id == industry_id:
                return i
        raise KeyError(industry_id)

    def measures_for_industry(self, industry_id: str) -> tuple[Measure, ...]:
        """Measures that concern this industry (from the measures' industries field)."""
        return tuple(m for m in self.measures if industry_id in m.industries)

    def goals_in_group(self, group_id: str | None) -> tuple[Goal, ...]:
        """Goals of one group (None: the overall goal)."""
        return tuple(g for g in self.goals if g.group == group_id)


# ---------------------------------------------------------------- loading


def _display(path: Path) -> str:
    """The path as a user should read it: relative to the repository when inside it."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML would silently keep the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """Build a mapping, failing with the line of a repeated key."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"键 “{key}” 重复", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping, or PlanDataError saying what is wrong with the file."""
    where = _display(path)
    if not path.is_file():
        raise PlanDataError(f"{where}：找不到文件")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except UnicodeDecodeError:
        raise PlanDataError(f"{where}：不是 UTF-8 编码的文本") from None
    except OSError as exc:
        raise PlanDataError(f"{where}：无法读取（{exc.strerror}）") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" 第 {mark.line + 1} 行" if mark is not None else ""
        raise PlanDataError(f"{where}{line}：YAML 格式错误（{getattr(exc, 'problem', exc)}）") from None
    if not isinstance(data, dict):
        raise PlanDataError(f"{where}：顶层应是键值表（{'、'.join(FILES[path.name])}）")
    return data


def _row_label(where: str, key: str, index: int, row: Any) -> str:
    """`data/plan/measures.yaml 的 measures 第 5 条（id=2.2）`: file, list, 1-based row and its id."""
    label = f"{where} 的 {key} 第 {index + 1} 条"
    if isinstance(row, dict):
        for id_key in ("id", "number"):
            if row.get(id_key) is not None:
                return f"{label}（{id_key}={row[id_key]}）"
    return label


def _at_field(label: str, field: str) -> str:
    """`…第 5 条（id=2.2）字段 lead`: a row label joined to a field name."""
    return f"{label}{'' if label.endswith('）') else ' '}字段 {field}"


def _field_label(loc: Sequence[str | int]) -> str:
    """('deadlines', 0, 'by') -> `deadlines 第 1 项的 by`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f" 第 {part + 1} 项"
        else:
            out += f"的 {part}" if out.endswith("项") else (f".{part}" if out else str(part))
    return out


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（可能拼写有误）",
    "string_type": "应是文字",
    "string_too_short": "不能为空",
    "int_type": "应是整数",
    "int_parsing": "应是整数",
    "int_from_float": "应是整数",
    "float_type": "应是数字",
    "float_parsing": "应是数字",
    "bool_type": "应是 true 或 false",
    "bool_parsing": "应是 true 或 false",
    "list_type": "应是列表",
    "tuple_type": "应是列表",
    "model_type": "应是键值表",
    "dict_type": "应是键值表",
}


_PATTERN_HINTS = {
    r"^\d+\.\d+$": "应形如 4.2：部分序号.措施序号",
    r"^[a-z][a-z0-9_]*$": "应由小写英文字母、数字和下划线组成，以字母开头",
}


def _explain(error: dict[str, Any]) -> str:
    """A pydantic error in Chinese."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "literal_error":
        return f"取值 “{value}” 不在允许的取值中（应为：{ctx.get('expected')}）"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(ctx.get("pattern"), f"应符合 {ctx.get('pattern')}")
        return f"取值 “{value}” 格式不对（{hint}）"
    if kind == "greater_than_equal":
        return f"应不小于 {ctx.get('ge')}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"取值无效（{error['msg']}）"


def _rows(path: Path, data: dict[str, Any], key: str, model: type[_Model]) -> tuple[Any, ...]:
    """Validate one list of a file row by row; the first bad row raises PlanDataError."""
    where = _display(path)
    rows = data.get(key)
    if not isinstance(rows, list):
        raise PlanDataError(f"{where}：缺少列表 {key}（或 {key} 不是列表）")
    out = []
    for index, row in enumerate(rows):
        label = _row_label(where, key, index, row)
        if not isinstance(row, dict):
            raise PlanDataError(f"{label}：应是键值表")
        try:
            out.append(model.model_validate(row))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = _field_label(error["loc"])
            raise PlanDataError(f"{_at_field(label, field) if field else label}：{_explain(error)}") from None
    return tuple(out)


def _note(path: Path, data: dict[str, Any], key: str) -> EditorialNote:
    """Validate one top-level mapping that states what in a file is editorial."""
    where = _display(path)
    try:
        return EditorialNote.model_validate(data.get(key))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_label(error["loc"])
        raise PlanDataError(f"{where} 的 {key}{f' 字段 {field}' if field else ''}：{_explain(error)}") from None


def _read_lists(plan_dir: Path) -> dict[str, Any]:
    """Every list of every plan file, validated row by row (and the files' editorial notes)."""
    models = {
        "units": Unit, "industries": Industry, "sections": Section, "measures": Measure,
        "groups": GoalGroup, "goals": Goal, "repairs": Repair,
    }
    lists: dict[str, Any] = {}
    for name, keys in FILES.items():
        path = plan_dir / name
        data = _read_yaml(path)
        allowed = keys + NOTES.get(name, ())
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise PlanDataError(f"{_display(path)}：不认识的顶层键 {'、'.join(map(str, unknown))}（应为：{'、'.join(allowed)}）")
        for key in keys:
            lists[key] = _rows(path, data, key, models[key])
        for key in NOTES.get(name, ()):
            lists[key] = _note(path, data, key)
    return lists


def _check_unique(where: str, key: str, rows: Sequence[Any], attr: str = "id") -> None:
    """Ids (or section numbers) must be unique within a list."""
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows):
        value = getattr(row, attr)
        if value in seen:
            raise PlanDataError(
                f"{where} 的 {key} 第 {index + 1} 条（{attr}={value}）字段 {attr}："
                f"“{value}” 重复（第 {seen[value] + 1} 条已使用）"
            )
        seen[value] = index


def _check_unit_names(where: str, units: Sequence[Unit]) -> None:
    """A name or alias must point to one unit only, or brackets could not be read back."""
    owner: dict[str, str] = {}
    for index, unit in enumerate(units):
        for name in unit.names:
            if name in owner and owner[name] != unit.id:
                raise PlanDataError(
                    f"{where} 的 units 第 {index + 1} 条（id={unit.id}）字段 aliases："
                    f"名称 “{name}” 已属于单位 {owner[name]}"
                )
            owner[name] = unit.id


def _figure_forms(value: float | int) -> tuple[str, ...]:
    """How the plan writes a number: 2000, 25.85; 100 also as 百 (百亿级)."""
    return (f"{value:g}", "百") if value == 100 else (f"{value:g}",)


def _quantity_problem(q: _Quantity) -> tuple[str, str] | None:
    """(field, Chinese message) when a figure's words are not the plan's words for its value and qualifier."""
    if q.value_max is not None and q.value_max < q.value:
        return "value_max", "区间上限小于下限"
    if q.words not in q.phrase:
        return "words", f"原文用语 “{q.words}” 不在摘句 “{q.phrase}” 中"
    for name in ("value", "value_max", "baseline"):
        v = getattr(q, name, None)
        if v is not None and not any(form in q.words for form in _figure_forms(v)):
            return "words", f"原文用语 “{q.words}” 不含 {name} 的数字 {v:g}"
    if q.comparator and q.comparator not in q.words:
        return "words", f"原文用语 “{q.words}” 不含限定词 “{q.comparator}”"
    return None


def _check_measure(where: str, index: int, m: Measure, sections: set[int], units: set[str], industries: set[str]) -> None:
    """A measure's references must resolve and its quoted phrases must be in its text."""
    label = f"{where} 的 measures 第 {index + 1} 条（id={m.id}）"

    def fail(field: str, message: str) -> None:
        raise PlanDataError(f"{_at_field(label, field)}：{message}")

    if m.section not in sections:
        fail("section", f"第 {m.section} 部分不在 sections 中")
    if int(m.id.split(".")[0]) != m.section:
        fail("id", f"id {m.id} 与 section {m.section} 不一致")
    for field in ("lead", "coop"):
        for unit_id in getattr(m, field):
            if unit_id not in units:
                fail(field, f"单位 “{unit_id}” 不在 units.yaml 中")
    for industry_id in m.industries:
        if industry_id not in industries:
            fail("industries", f"产业 “{industry_id}” 不在 industries.yaml 中")
    for field in ("deadlines", "targets"):
        for n, item in enumerate(getattr(m, field), 1):
            if item.phrase not in m.text:
                fail(f"{field} 第 {n} 项的 phrase", f"摘句 “{item.phrase}” 不在该措施的 text 中")
            if field == "deadlines" and item.by not in item.phrase:
                fail(f"{field} 第 {n} 项的 by", f"时限 “{item.by}” 不在摘句中")
            if field == "targets":
                problem = _quantity_problem(item)
                if problem:
                    fail(f"{field} 第 {n} 项的 {problem[0]}", problem[1])
            if field == "targets" and not item.id.startswith(f"{m.id}-t"):
                fail(f"{field} 第 {n} 项的 id", f"目标 id “{item.id}” 应以 “{m.id}-t” 开头")


def _check(plan_dir: Path, lists: dict[str, tuple[Any, ...]]) -> None:
    """Cross-file checks: unique ids, and every reference resolves."""
    units_file = _display(plan_dir / "units.yaml")
    measures_file = _display(plan_dir / "measures.yaml")
    goals_file = _display(plan_dir / "goals.yaml")
    _check_unique(units_file, "units", lists["units"])
    _check_unit_names(units_file, lists["units"])
    _check_unique(_display(plan_dir / "industries.yaml"), "industries", lists["industries"])
    _check_unique(measures_file, "sections", lists["sections"], "number")
    _check_unique(measures_file, "measures", lists["measures"])
    _check_unique(goals_file, "groups", lists["groups"])
    _check_unique(goals_file, "goals", lists["goals"])
    sections = {s.number for s in lists["sections"]}
    units = {u.id for u in lists["units"]}
    industries = {i.id for i in lists["industries"]}
    target_ids: dict[str, str] = {}
    for index, measure in enumerate(lists["measures"]):
        _check_measure(measures_file, index, measure, sections, units, industries)
        for n, target in enumerate(measure.targets, 1):
            if target.id in target_ids:
                raise PlanDataError(
                    f"{measures_file} 的 measures 第 {index + 1} 条（id={measure.id}）字段 targets 第 {n} 项的 id："
                    f"“{target.id}” 重复（措施 {target_ids[target.id]} 已使用）"
                )
            target_ids[target.id] = measure.id
    groups = {g.id for g in lists["groups"]}
    for index, goal in enumerate(lists["goals"]):
        if goal.group is not None and goal.group not in groups:
            raise PlanDataError(
                f"{goals_file} 的 goals 第 {index + 1} 条（id={goal.id}）字段 group：组 “{goal.group}” 不在 groups 中"
            )
        problem = _quantity_problem(goal)
        if problem:
            raise PlanDataError(f"{goals_file} 的 goals 第 {index + 1} 条（id={goal.id}）字段 {problem[0]}：{problem[1]}")


def load_plan(plan_dir: Path | None = None) -> Plan:
    """Read and validate the plan data (default: the repository's data/plan); raises only PlanDataError."""
    plan_dir = Path(plan_dir) if plan_dir is not None else settings.current().plan_dir
    lists = _read_lists(plan_dir)
    _check(plan_dir, lists)
    return Plan(
        units=lists["units"], industries=lists["industries"], sections=lists["sections"],
        measures=lists["measures"], goal_groups=lists["groups"], goals=lists["goals"], repairs=lists["repairs"],
        industry_classification=lists["classification"],
    )


def summary(plan: Plan) -> str:
    """One line saying the data is valid and how much of it there is."""
    return f"规划数据有效：{len(plan.measures)} 条措施，{len(plan.sections)} 个部分，{len(plan.units)} 个单位"


def check_command(args) -> int:
    """Print the plan's one-line summary; broken data is a ChaohuError naming the file and the fault."""
    try:
        plan = load_plan(args.plan_dir)
    except ChaohuError as exc:
        raise ChaohuError(f"规划数据有误：{exc.message}", exc.detail) from exc
    print(summary(plan))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m loaders.plan [--dir 目录]`: print the summary, or one Chinese line on stderr and return 2."""
    parser = Parser(prog="python -m loaders.plan", description="检查规划数据（data/plan）是否有效。")
    parser.add_argument("--dir", dest="plan_dir", type=Path, default=None, help="规划数据目录（默认：仓库的 data/plan）")
    parser.set_defaults(func=check_command)
    return dispatch(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
