"""Realistic synthetic data sets for demos, tests and benchmarks (``planner generate``).

:func:`generate_tables` builds every table of the data contract (``shared/spec/data-contract.md``)
for a preset size; :func:`write_tables` writes them as CSV or Excel with English or Chinese
headers. The data look like a real roster (Chinese names, colleges, five campuses, skewed college
sizes, a few cadres on leave) and are built so that the default policy always has a plan:

- every college has at least one class per grade, so an available college cadre always has a
  target of their own college, and each college has more dorm rooms of each gender than it has
  cadres of that gender;
- there are never more school leaders than colleges;
- pins agree with each other and with the hard rules (department of origin, dorm gender,
  school-leader spread), and name cadres and targets that exist.

A few small colleges are deliberately short of cadres for their classes, branches and societies,
so coverage is worth looking at. ``previous`` holds last semester's plan, including rows that
name cadres who have since left and classes that have since graduated.

Everything is drawn from one :class:`numpy.random.Generator` seeded by (preset, seed, scale), so
a data set is reproducible from its command line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from planner.contract import (
    BOOL_ALIASES,
    KIND_LABELS_ZH,
    PIN_RULE_ALIASES,
    ROLE_LABELS_ZH,
    TABLES,
    Kind,
    Role,
)

FORMATS: tuple[str, ...] = ("csv", "csv-gb18030", "xlsx", "workbook")
"""Output formats of :func:`write_tables`."""

HEADER_LANGUAGES: tuple[str, ...] = ("en", "zh")
"""Header languages of :func:`write_tables`."""

WORKBOOK_NAME = "data.xlsx"
"""File name of the single workbook written by the ``workbook`` format."""

GRADES: tuple[int, ...] = (2023, 2024, 2025, 2026)
"""Entry years of the undergraduates on campus; the last one is this year's freshmen."""

GRADUATED_GRADE = GRADES[0] - 1
"""Entry year of the classes that graduated after last semester (named only in ``previous``)."""


@dataclass(frozen=True)
class Preset:
    """Table sizes of a preset at scale 1 (branches follow from the colleges: 2-4 each)."""

    colleges: int
    campuses: int
    cadres: int
    classes: int
    dorms: int
    societies: int
    school_leaders: int


PRESETS: dict[str, Preset] = {
    "demo": Preset(
        colleges=6, campuses=2, cadres=400, classes=120, dorms=1100, societies=20, school_leaders=4
    ),
    "university": Preset(
        colleges=38,
        campuses=5,
        cadres=3000,
        classes=900,
        dorms=8500,
        societies=150,
        school_leaders=13,
    ),
    "large": Preset(
        colleges=114,
        campuses=8,
        cadres=9000,
        classes=2700,
        dorms=25500,
        societies=450,
        school_leaders=15,
    ),
}
"""The presets of ``planner generate --preset``; ``university`` follows the seed policy's sizes."""

# --- vocabulary pools --------------------------------------------------------------------------

# (name, short code used in dorm ids, relative share of colleges placed there)
_CAMPUSES: tuple[tuple[str, str, float], ...] = (
    ("石牌校区", "SP", 0.40),
    ("番禺校区", "PY", 0.18),
    ("深圳校区", "SZ", 0.12),
    ("珠海校区", "ZH", 0.14),
    ("华文校区", "HW", 0.06),
    ("广园校区", "GY", 0.07),
    ("南海校区", "NH", 0.07),
    ("从化校区", "CH", 0.06),
)

# College name and its majors (used for class names); the first ones are the most typical.
_COLLEGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("法学院", ("法学", "知识产权")),
    ("经济学院", ("经济学", "金融学", "国际经济与贸易", "统计学")),
    ("信息科学技术学院", ("计算机科学与技术", "软件工程", "网络工程", "数学与应用数学")),
    ("文学院", ("汉语言文学", "历史学", "汉语国际教育")),
    ("医学院", ("临床医学", "预防医学", "护理学")),
    ("管理学院", ("工商管理", "会计学", "财务管理", "市场营销", "人力资源管理")),
    ("新闻与传播学院", ("新闻学", "广告学", "广播电视学", "网络与新媒体")),
    ("外国语学院", ("英语", "日语", "法语", "商务英语")),
    ("理工学院", ("电子信息工程", "光电信息科学与工程", "材料科学与工程")),
    ("药学院", ("药学", "中药学", "制药工程")),
    ("艺术学院", ("美术学", "音乐表演", "舞蹈学")),
    ("生命科学技术学院", ("生物技术", "生物工程", "生态学")),
    ("化学与材料学院", ("化学", "应用化学", "高分子材料与工程")),
    ("国际关系学院", ("外交学", "国际政治")),
    ("公共管理学院", ("行政管理", "社会学", "政治学与行政学")),
    ("马克思主义学院", ("思想政治教育",)),
    ("华文学院", ("汉语言", "华文教育")),
    ("国际学院", ("临床医学", "工商管理", "计算机科学与技术")),
    ("翻译学院", ("翻译", "英语")),
    ("旅游管理学院", ("旅游管理", "酒店管理", "会展经济与管理")),
    ("电气信息学院", ("电气工程及其自动化", "自动化")),
    ("智能科学与工程学院", ("智能科学与技术", "人工智能", "机器人工程")),
    ("环境学院", ("环境工程", "环境科学")),
    ("力学与建筑工程学院", ("土木工程", "工程力学", "建筑学")),
    ("口腔医学院", ("口腔医学",)),
    ("中医学院", ("中医学",)),
    ("基础医学与公共卫生学院", ("预防医学", "食品卫生与营养学")),
    ("食品科学与工程学院", ("食品科学与工程", "食品质量与安全")),
    ("网络空间安全学院", ("网络空间安全", "信息安全")),
    ("体育学院", ("体育教育", "运动训练", "社会体育指导与管理")),
    ("教育学院", ("教育学", "应用心理学")),
    ("心理学院", ("心理学",)),
    ("数学学院", ("数学与应用数学", "信息与计算科学")),
    ("物理学院", ("物理学", "应用物理学")),
    ("哲学院", ("哲学",)),
    ("社会学院", ("社会学", "社会工作")),
    ("护理学院", ("护理学",)),
    ("国际商学院", ("金融学", "会计学")),
    ("第一临床医学院", ("临床医学",)),
    ("第二临床医学院", ("临床医学",)),
    ("商学院", ("工商管理", "电子商务")),
    ("会计学院", ("会计学", "审计学")),
    ("金融学院", ("金融学", "保险学", "投资学")),
    ("统计学院", ("统计学", "经济统计学")),
    ("计算机学院", ("计算机科学与技术", "数据科学与大数据技术")),
    ("软件学院", ("软件工程",)),
    ("人工智能学院", ("人工智能",)),
    ("电子工程学院", ("电子信息工程", "通信工程")),
    ("机械工程学院", ("机械设计制造及其自动化", "车辆工程")),
    ("土木工程学院", ("土木工程", "给排水科学与工程")),
    ("交通运输学院", ("交通运输", "交通工程")),
    ("海洋学院", ("海洋科学", "海洋技术")),
    ("地球科学学院", ("地质学", "地理信息科学")),
    ("地理与规划学院", ("地理科学", "城乡规划")),
    ("建筑学院", ("建筑学", "风景园林")),
    ("能源与动力工程学院", ("能源与动力工程", "新能源科学与工程")),
    ("航空航天学院", ("飞行器设计与工程",)),
    ("自动化学院", ("自动化", "测控技术与仪器")),
    ("光电工程学院", ("光电信息科学与工程",)),
    ("材料科学与工程学院", ("材料科学与工程", "金属材料工程")),
    ("化学工程学院", ("化学工程与工艺",)),
    ("生物医学工程学院", ("生物医学工程",)),
    ("公共卫生学院", ("预防医学",)),
    ("音乐学院", ("音乐学", "音乐表演")),
    ("美术学院", ("美术学", "绘画")),
    ("设计学院", ("视觉传达设计", "环境设计", "产品设计")),
    ("影视学院", ("戏剧影视文学", "广播电视编导")),
    ("历史学院", ("历史学", "考古学")),
    ("政治与公共事务学院", ("政治学与行政学", "国际政治")),
    ("图书情报与档案管理学院", ("图书馆学", "档案学", "信息管理与信息系统")),
    ("农学院", ("农学", "植物保护")),
    ("园艺学院", ("园艺", "茶学")),
    ("动物科学学院", ("动物科学", "水产养殖学")),
    ("兽医学院", ("动物医学",)),
    ("资源与环境学院", ("农业资源与环境", "土地资源管理")),
    ("林学与风景园林学院", ("林学", "风景园林")),
    ("水利与土木工程学院", ("水利水电工程",)),
    ("数字媒体学院", ("数字媒体技术", "数字媒体艺术")),
    ("国际中文教育学院", ("汉语国际教育",)),
    ("知识产权学院", ("知识产权",)),
    ("中药学院", ("中药学", "中药资源与开发")),
    ("医学信息学院", ("医学信息工程",)),
    ("麻醉学院", ("麻醉学",)),
    ("医学影像学院", ("医学影像学", "医学影像技术")),
    ("检验医学院", ("医学检验技术",)),
    ("康复医学院", ("康复治疗学",)),
    ("人文学院", ("汉语言文学", "哲学")),
    ("传媒学院", ("广播电视学", "播音与主持艺术")),
    ("社会发展学院", ("社会学", "人类学")),
    ("国际经济与贸易学院", ("国际经济与贸易", "国际商务")),
    ("财税学院", ("财政学", "税收学")),
    ("保险学院", ("保险学", "精算学")),
    ("物流学院", ("物流管理", "供应链管理")),
    ("电影学院", ("电影学", "摄影")),
    ("戏剧学院", ("表演", "戏剧学")),
    ("舞蹈学院", ("舞蹈表演", "舞蹈编导")),
    ("化学学院", ("化学",)),
    ("生态学院", ("生态学", "环境生态工程")),
    ("集成电路学院", ("集成电路设计与集成系统", "微电子科学与工程")),
    ("储能科学与工程学院", ("储能科学与工程",)),
    ("数据科学学院", ("数据科学与大数据技术",)),
    ("信息管理学院", ("信息管理与信息系统", "电子商务")),
    ("应用经济学院", ("经济学", "数字经济")),
    ("新能源学院", ("新能源材料与器件",)),
    ("船舶与海洋工程学院", ("船舶与海洋工程",)),
    ("纺织服装学院", ("服装设计与工程", "纺织工程")),
    ("轻工与食品学院", ("轻化工程", "包装工程")),
    ("测绘学院", ("测绘工程", "遥感科学与技术")),
    ("安全工程学院", ("安全工程", "应急技术与管理")),
    ("东方语言文化学院", ("日语", "朝鲜语", "泰语")),
    ("西方语言文化学院", ("西班牙语", "德语", "俄语")),
    ("文化产业学院", ("文化产业管理",)),
    ("城市建设学院", ("城市管理", "工程管理")),
    ("第三临床医学院", ("临床医学",)),
    ("生物科学学院", ("生物科学",)),
    ("管理科学与工程学院", ("管理科学", "工业工程")),
)

_OFFICES: tuple[str, ...] = (
    "党委办公室",
    "校长办公室",
    "党委组织部",
    "党委宣传部",
    "党委统战部",
    "纪委办公室",
    "教务处",
    "人事处",
    "财务处",
    "科技处",
    "社会科学处",
    "国际交流合作处",
    "港澳台侨事务办公室",
    "招生办公室",
    "保卫处",
    "后勤管理处",
    "资产管理处",
    "审计处",
    "发展规划处",
    "实验室与设备管理处",
    "基建处",
    "研究生院",
    "图书馆",
    "工会",
    "离退休工作处",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SCHOOL_LEADER_UNIT = "校领导班子"
_SAO_UNIT = "学生处"
_LEAGUE_UNIT = "团委"

# Common surnames with their approximate share of the population (percent).
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.3),
    ("赵", 2.2), ("吴", 2.0), ("周", 1.9), ("徐", 1.3), ("孙", 1.3), ("马", 1.2), ("朱", 1.1),
    ("胡", 1.1), ("郭", 1.1), ("何", 1.0), ("高", 1.0), ("林", 1.0), ("罗", 0.9), ("郑", 0.8),
    ("梁", 0.8), ("谢", 0.7), ("宋", 0.7), ("唐", 0.6), ("许", 0.6), ("韩", 0.6), ("冯", 0.6),
    ("邓", 0.6), ("曹", 0.6), ("彭", 0.5), ("曾", 0.5), ("肖", 0.5), ("田", 0.5), ("董", 0.5),
    ("袁", 0.4), ("潘", 0.4), ("于", 0.4), ("蒋", 0.4), ("蔡", 0.4), ("余", 0.4), ("杜", 0.4),
    ("叶", 0.4), ("程", 0.4), ("苏", 0.3), ("魏", 0.3), ("吕", 0.3), ("丁", 0.3), ("任", 0.3),
    ("沈", 0.3), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.2), ("廖", 0.2), ("贾", 0.2),
    ("夏", 0.2), ("韦", 0.2), ("付", 0.2), ("方", 0.2), ("白", 0.2), ("邹", 0.2), ("孟", 0.2),
    ("熊", 0.2), ("秦", 0.2), ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("闫", 0.2),
    ("段", 0.2), ("雷", 0.2), ("侯", 0.2), ("龙", 0.2), ("史", 0.2), ("陶", 0.2), ("黎", 0.2),
    ("贺", 0.2), ("顾", 0.2), ("毛", 0.2), ("郝", 0.2), ("龚", 0.2), ("邵", 0.2), ("万", 0.2),
    ("钱", 0.2), ("严", 0.2), ("覃", 0.2), ("武", 0.2), ("戴", 0.2), ("欧阳", 0.05),
    ("司马", 0.02),
)  # fmt: skip

_GIVEN_NAMES_M: tuple[str, ...] = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林洋峰"
)
_GIVEN_NAMES_F: tuple[str, ...] = tuple("娜敏静丽艳芳娟霞燕玲婷雪琳颖倩洁慧莹晶欣蕾薇红萍")
# Two-character given names are built from a common first and a common second character.
_GIVEN_PARTS_M: tuple[str, str] = (
    "志建国海晓文子浩明俊永宏家嘉少振德卫立宇一天思博泽剑春学新成",
    "强华明军涛杰伟辉峰波东鹏龙飞宇轩然博刚平勇斌林洋超鑫凯帆磊昊",
)
_GIVEN_PARTS_F: tuple[str, str] = (
    "秀桂玉丽海晓婷雪红文思雨佳子欣梦美春雅淑惠嘉诗佩凤月小翠静慧",
    "英兰娟燕梅静雨婷怡涵瑶红华玲萍丽琴芬珍敏欣琪桐霞芳颖洁琳倩莹",
)
_TWO_CHAR_SHARE = 0.75

_SOCIETY_TOPICS: tuple[str, ...] = _words(
    "辩论协会 青年志愿者协会 摄影协会 书法协会 羽毛球协会 篮球协会 足球协会 乒乓球协会 网球协会 "
    "排球协会 游泳协会 跆拳道协会 武术协会 合唱团 舞蹈团 话剧社 动漫社 天文学会 创新创业协会 "
    "心理健康协会 英语俱乐部 围棋社 吉他社 读书会 电子竞技协会 环保协会 红十字会 国学社 茶文化协会 "
    "街舞社 民乐团 交响乐团 汉服社 诗社 演讲与口才协会 公益支教协会 定向越野协会 登山协会 魔术协会 "
    "电影协会 模拟联合国协会 机器人协会 数学建模协会 程序设计协会 金融投资协会 粤语文化协会 "
    "港澳台学生联谊会 龙狮协会 轮滑协会"
)

_ORDINALS_ZH: tuple[str, ...] = ("一", "二", "三", "四")

# Probability that a cadre of a role is a man.
_MALE_SHARE: dict[Role, float] = {
    Role.SCHOOL_LEADER: 0.85,
    Role.OFFICE_LEADER: 0.65,
    Role.SAO_CADRE: 0.45,
    Role.LEAGUE_CADRE: 0.45,
    Role.COLLEGE_LEADER: 0.70,
    Role.DEPT_LEADER: 0.65,
    Role.PROFESSOR: 0.75,
    Role.YOUNG_TEACHER: 0.50,
}

_ON_LEAVE_SHARE = 0.03  # cadres with available = no
_DEPARTED_SHARE = 0.03  # previous rows naming cadres who have left
_NEW_SHARE = 0.04  # current cadres who joined this semester (no previous row)
_SHORT_SHARE = 0.08  # colleges short of cadres for their classes, branches and societies
_OFF_CAMPUS_SHARE = 0.0  # college cadres on another campus (0: the strict-campus scenario holds)


# --- public API --------------------------------------------------------------------------------


def generate_tables(preset: str, seed: int = 1, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Generate a data set: one frame per contract table, keyed by English table name.

    ``preset`` is a key of :data:`PRESETS`; ``scale`` multiplies its counts (0.25 gives a quarter
    of the cadres, classes, dorms, societies and colleges). Columns are the contract's English
    names; values are what a roster holds: ids as text, ``grade``/``size``/``residents``/
    ``members`` as integers, gender ``M``/``F``, role and kind as English words, ``available``
    as ``yes``/``no``, a university-level society's college as ``""``. The same (preset, seed,
    scale) always gives equal frames.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    sizes = _scaled(PRESETS[preset], scale)
    key = [seed, list(PRESETS).index(preset), round(scale * 1000)]
    rng = np.random.default_rng(np.random.SeedSequence(key))

    colleges = _make_colleges(rng, sizes)
    classes = _make_classes(rng, sizes, colleges)
    branches = _make_branches(rng, colleges)
    societies = _make_societies(rng, sizes, colleges)
    cadres = _make_cadres(rng, sizes, colleges, classes, branches, societies)
    dorms = _make_dorms(rng, sizes, colleges, classes, cadres)
    targets = _targets(colleges, classes, dorms, societies, branches)
    previous = _make_previous(rng, cadres, targets)
    pins = _make_pins(rng, colleges, cadres, targets, previous)

    # Drawn from a stream of their own, so every other column is what it was before v1.1.
    _add_contact_columns(np.random.default_rng(np.random.SeedSequence([*key, 1])), cadres, classes)
    current = cadres[~cadres["departed"]]
    frames = {
        "colleges": colleges,
        "cadres": current,
        "classes": classes,
        "dorms": dorms,
        "societies": societies,
        "branches": branches,
        "previous": previous,
        "pins": pins,
    }
    return {
        name: frame[[c.name for c in TABLES[name].columns]].reset_index(drop=True)
        for name, frame in frames.items()
    }


def write_tables(
    tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv", headers: str = "en"
) -> list[Path]:
    """Write ``tables`` (as from :func:`generate_tables`) into the folder ``out``; return the files.

    ``fmt``: ``csv`` (UTF-8 with BOM), ``csv-gb18030`` (what Excel on Chinese Windows writes),
    ``xlsx`` (one ``TABLE.xlsx`` per table) or ``workbook`` (one :data:`WORKBOOK_NAME`, a sheet
    per table). ``headers``: ``en`` (English table and column names) or ``zh`` (Chinese table
    names and column aliases; vocabulary values -- role, kind, gender, available, rule -- are
    written in Chinese too, as a Chinese roster would hold them).

    ``out`` is created if needed. Files there that another format or language would have
    written for the same tables are removed, so the folder always holds exactly one data set.
    In Excel, ids and other text are written as text and counts as numbers.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if headers not in HEADER_LANGUAGES:
        raise ValueError(f"unknown headers {headers!r} (known: {', '.join(HEADER_LANGUAGES)})")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"not tables of the contract: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)

    names = {name: TABLES[name].alias if headers == "zh" else name for name in tables}
    if fmt == "workbook":
        keep = {out / WORKBOOK_NAME}
    else:
        ext = "xlsx" if fmt == "xlsx" else "csv"
        keep = {out / f"{names[name]}.{ext}" for name in tables}
    _remove_other_outputs(out, keep)

    localised = {name: _localise(name, frame, headers) for name, frame in tables.items()}
    written: list[Path] = []
    if fmt == "workbook":
        path = out / WORKBOOK_NAME
        workbook = Workbook(write_only=True)
        for name, frame in localised.items():
            _append_sheet(workbook, names[name], name, frame)
        workbook.save(path)
        written.append(path)
    elif fmt == "xlsx":
        for name, frame in localised.items():
            path = out / f"{names[name]}.xlsx"
            workbook = Workbook(write_only=True)
            _append_sheet(workbook, names[name], name, frame)
            workbook.save(path)
            written.append(path)
    else:
        encoding = "gb18030" if fmt == "csv-gb18030" else "utf-8-sig"
        for name, frame in localised.items():
            path = out / f"{names[name]}.csv"
            frame.to_csv(path, index=False, encoding=encoding)
            written.append(path)
    return written


_TITLES: dict[Role, tuple[str, ...]] = {
    Role.SCHOOL_LEADER: ("党委书记", "校长", "党委副书记", "副校长"),
    Role.OFFICE_LEADER: ("处长", "副处长", "副处长", "部长", "副部长"),
    Role.SAO_CADRE: ("副处长", "科长", "副科长", "科员", "科员"),
    Role.LEAGUE_CADRE: ("团委副书记", "团委干事", "团委干事"),
    Role.COLLEGE_LEADER: ("党委书记", "院长", "党委副书记", "副院长"),
    Role.DEPT_LEADER: ("系主任", "副系主任", "副系主任"),
    Role.PROFESSOR: ("教授",),
    Role.YOUNG_TEACHER: ("讲师", "讲师", "副教授", "助理教授"),
}
"""What a roster's 职务 column holds for each role; a leadership team (:data:`_RANKED`) takes
its titles in this order, the last one repeated."""

_RANKED = frozenset({Role.SCHOOL_LEADER, Role.COLLEGE_LEADER})

_BLANK_SHARE = 0.05  # optional v1.1 cells left blank, as real rosters leave some


def _add_contact_columns(
    rng: np.random.Generator, cadres: pd.DataFrame, classes: pd.DataFrame
) -> None:
    """The optional v1.1 columns: cadres' ``title``, ``phone``, ``email``; classes'
    ``counsellor`` (one per college and grade) and ``head_teacher`` (one per class)."""
    n = len(cadres)
    rank = _rank_within((cadres["role"] + "|" + cadres["unit"]).to_numpy())
    draw = rng.integers(60, size=n)
    title = np.array(
        [
            pool[min(r, len(pool) - 1)] if Role(role) in _RANKED else pool[d % len(pool)]
            for role, r, d in zip(cadres["role"], rank, draw, strict=True)
            for pool in [_TITLES[Role(role)]]
        ]
    )
    prefix = np.array(["138", "139", "136", "150", "158", "186", "188"])[rng.integers(7, size=n)]
    phone = np.char.add(prefix, np.char.zfill(rng.integers(10**8, size=n).astype(str), 8))
    blank = rng.random((3, n)) < _BLANK_SHARE
    cadres["title"] = np.where(blank[0], "", title)
    cadres["phone"] = np.where(blank[1], "", phone)
    cadres["email"] = np.where(blank[2], "", cadres["id"] + "@example.com")
    groups = classes["college"] + "-" + classes["grade"].astype(str)
    codes, unique = pd.factorize(groups)
    counsellors = _person_names(rng, rng.random(len(unique)) < 0.5)
    classes["counsellor"] = counsellors[codes]
    teachers = _person_names(rng, rng.random(len(classes)) < 0.5)
    classes["head_teacher"] = np.where(rng.random(len(classes)) < _BLANK_SHARE, "", teachers)


# --- sizes and helpers -------------------------------------------------------------------------


def _scaled(preset: Preset, scale: float) -> Preset:
    """The preset's counts times ``scale`` (colleges at least 2, campuses and leaders fewer)."""
    colleges = max(2, round(preset.colleges * scale))
    root = math.sqrt(scale)
    return Preset(
        colleges=colleges,
        campuses=int(np.clip(round(preset.campuses * root), 1, min(len(_CAMPUSES), colleges))),
        cadres=max(20, round(preset.cadres * scale)),
        classes=max(len(GRADES) * colleges, round(preset.classes * scale)),
        dorms=max(50, round(preset.dorms * scale)),
        societies=max(2, round(preset.societies * scale)),
        school_leaders=int(np.clip(round(preset.school_leaders * root), 1, colleges)),
    )


def _apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each at
    least ``minimum`` (the sum exceeds ``total`` only when the minimums do)."""
    n = len(weights)
    rest = max(total - minimum * n, 0)
    raw = weights / weights.sum() * rest
    counts = np.floor(raw).astype(np.int64)
    short = rest - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts + minimum


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element among the elements of its group, in array order (0, 1, ...)."""
    return pd.Series(groups).groupby(groups, sort=False).cumcount().to_numpy()


def _person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names: a surname by frequency and a gendered one- or two-character given name."""
    surnames = np.array([s for s, _ in _SURNAMES])
    share = np.array([w for _, w in _SURNAMES])
    n = len(male)
    family = surnames[rng.choice(len(surnames), size=n, p=share / share.sum())]

    def given(single: tuple[str, ...], parts: tuple[str, str]) -> np.ndarray:
        one = np.array(single)[rng.integers(len(single), size=n)]
        first = np.array(list(parts[0]))[rng.integers(len(parts[0]), size=n)]
        second = np.array(list(parts[1]))[rng.integers(len(parts[1]), size=n)]
        return np.where(rng.random(n) < _TWO_CHAR_SHARE, np.char.add(first, second), one)

    names_m = given(_GIVEN_NAMES_M, _GIVEN_PARTS_M)
    names_f = given(_GIVEN_NAMES_F, _GIVEN_PARTS_F)
    return np.char.add(family, np.where(male, names_m, names_f))


def _campus_short(campus: pd.Series) -> pd.Series:
    """``石牌校区`` -> ``石牌``."""
    return campus.str.removesuffix("校区")


# --- tables ------------------------------------------------------------------------------------


def _make_colleges(rng: np.random.Generator, sizes: Preset) -> pd.DataFrame:
    """Colleges with a main campus each, a skewed size weight, majors, and the short flag."""
    n = sizes.colleges
    pool = [_COLLEGES[i % len(_COLLEGES)] if i < len(_COLLEGES) else _variant(i) for i in range(n)]
    width = max(2, len(str(n)))
    campuses = _CAMPUSES[: sizes.campuses]
    share = np.array([s for _, _, s in campuses])
    # every campus hosts at least one college; the rest follow the campus shares
    campus_idx = rng.choice(len(campuses), size=n, p=share / share.sum())
    campus_idx[rng.permutation(n)[: len(campuses)]] = np.arange(len(campuses))
    # lognormal weights: a few large colleges, many small ones; the colleges early in the pool
    # (the classic ones: law, economics, medicine, management, ...) tend to be the large ones
    weight = np.sort(rng.lognormal(0.0, 0.75, size=n))[::-1]
    weight = weight[np.argsort(np.argsort(np.arange(n) + rng.normal(0.0, n / 5, size=n)))]
    return pd.DataFrame(
        {
            "id": [f"C{i + 1:0{width}d}" for i in range(n)],
            "name": [name for name, _ in pool],
            "campus": [campuses[k][0] for k in campus_idx],
            "code": [campuses[k][1] for k in campus_idx],
            "weight": weight,
            "majors": [majors for _, majors in pool],
        }
    )


def _variant(i: int) -> tuple[str, tuple[str, ...]]:
    """A college beyond the name pool (only for presets scaled past ``large``)."""
    name, majors = _COLLEGES[i % len(_COLLEGES)]
    return f"{name}（{i // len(_COLLEGES) + 1}部）", majors


def _make_classes(rng: np.random.Generator, sizes: Preset, colleges: pd.DataFrame) -> pd.DataFrame:
    """Classes: at least one per college and grade, more in large colleges and newer grades."""
    per_college = _apportion(sizes.classes, colleges["weight"].to_numpy(), minimum=len(GRADES))
    n_grades = len(GRADES)
    grade_pos = np.arange(n_grades)
    # split each college's classes over the grades; the remainder goes to the newest grades
    per_cell = per_college[:, None] // n_grades + (
        grade_pos[None, :] >= n_grades - (per_college[:, None] % n_grades)
    )
    cell_college = np.repeat(np.arange(len(colleges)), n_grades)
    cell_grade = np.tile(np.array(GRADES), len(colleges))
    counts = per_cell.ravel()
    college_idx = np.repeat(cell_college, counts)
    grade = np.repeat(cell_grade, counts)
    seq = _rank_within(college_idx * 10_000 + grade) + 1

    n_majors = colleges["majors"].map(len).to_numpy()[college_idx]
    major_pos = (seq - 1) % n_majors
    major_seq = (seq - 1) // n_majors + 1
    majors = colleges[["majors"]].reset_index(names="college_idx").explode("majors")
    majors["major_pos"] = majors.groupby("college_idx").cumcount()
    frame = pd.DataFrame({"college_idx": college_idx, "major_pos": major_pos})
    major = frame.merge(majors, on=["college_idx", "major_pos"], how="left")["majors"]

    college = colleges["id"].to_numpy()[college_idx]
    ids = pd.Series(grade.astype(str)) + college + pd.Series(seq).astype(str).str.zfill(2)
    names = major + pd.Series(grade.astype(str)) + "级" + pd.Series(major_seq).astype(str) + "班"
    return pd.DataFrame(
        {
            "id": ids,
            "name": names,
            "college": college,
            "grade": grade,
            "campus": colleges["campus"].to_numpy()[college_idx],
            "size": np.clip(np.round(rng.normal(32, 7, size=len(ids))), 12, 55).astype(int),
            "major": major.to_numpy(),
        }
    )


def _make_branches(rng: np.random.Generator, colleges: pd.DataFrame) -> pd.DataFrame:
    """Undergraduate party branches: 2-4 per college (more in larger colleges), by grade."""
    weight = colleges["weight"].to_numpy()
    per_college = (
        2 + (weight > np.median(weight)).astype(int) + (weight >= np.quantile(weight, 0.75))
    )
    college_idx = np.repeat(np.arange(len(colleges)), per_college)
    k = _rank_within(college_idx)
    college = colleges["id"].to_numpy()[college_idx]
    ordinal = np.array(_ORDINALS_ZH)[k]
    return pd.DataFrame(
        {
            "id": pd.Series(college) + "-DZB" + pd.Series(k + 1).astype(str).str.zfill(2),
            "name": np.char.add(
                np.char.add(colleges["name"].to_numpy()[college_idx].astype(str), "本科生第"),
                np.char.add(ordinal, "党支部"),
            ),
            "college": college,
            "campus": colleges["campus"].to_numpy()[college_idx],
            "members": rng.integers(8, 41, size=len(college_idx)),
        }
    )


def _make_societies(
    rng: np.random.Generator, sizes: Preset, colleges: pd.DataFrame
) -> pd.DataFrame:
    """Societies: ~70% run by a college, ~30% university-level (blank college) on a campus."""
    n_college = round(sizes.societies * 0.7)
    n_univ = sizes.societies - n_college
    weight = colleges["weight"].to_numpy()
    per_college = _apportion(n_college, weight)
    college_idx = np.repeat(np.arange(len(colleges)), per_college)
    topics = np.array(_SOCIETY_TOPICS)
    # a college does not run two societies on the same topic
    order = np.argsort(rng.random((len(colleges), len(topics))), axis=1)
    rank = _rank_within(college_idx)
    college_topic = topics[order[college_idx, rank % len(topics)]]
    college_names = np.char.add(colleges["name"].to_numpy()[college_idx].astype(str), college_topic)

    campus_names = np.array(sorted(set(colleges["campus"]), key=_campus_order))
    campus_weight = np.array([weight[colleges["campus"] == c].sum() for c in campus_names])
    per_campus = _apportion(n_univ, campus_weight)
    campus_idx = np.repeat(np.arange(len(campus_names)), per_campus)
    rank_u = _rank_within(campus_idx)
    univ_topic = topics[np.argsort(rng.random(len(topics)))][rank_u % len(topics)]
    lap = np.where(rank_u >= len(topics), np.char.add("（", np.char.add(
        ((rank_u // len(topics)) + 1).astype(str), "）")), "")  # fmt: skip
    univ_names = np.char.add(np.char.add(campus_names[campus_idx], univ_topic), lap)

    n = n_college + n_univ
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "id": [f"ST{i + 1:0{width}d}" for i in range(n)],
            "name": np.concatenate([college_names, univ_names]),
            "campus": np.concatenate(
                [colleges["campus"].to_numpy()[college_idx], campus_names[campus_idx]]
            ),
            "members": np.concatenate(
                [
                    np.clip(rng.lognormal(3.6, 0.5, size=n_college), 10, 300),
                    np.clip(rng.lognormal(4.8, 0.6, size=n_univ), 20, 800),
                ]
            ).astype(int),
            "college": np.concatenate(
                [colleges["id"].to_numpy()[college_idx], np.full(n_univ, "", dtype=object)]
            ),
        }
    )


def _campus_order(campus: str) -> int:
    return [c for c, _, _ in _CAMPUSES].index(campus)


def _make_cadres(
    rng: np.random.Generator,
    sizes: Preset,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    branches: pd.DataFrame,
    societies: pd.DataFrame,
) -> pd.DataFrame:
    """Cadres, including those who have left (``departed``, not written) and new hires (``new``).

    Columns beyond the contract: ``college`` (the unit of a college role, else ``""``),
    ``departed`` and ``new``. Also sets ``colleges["short"]``: the few colleges given fewer
    cadres than classes, branches and societies.
    """
    n_current = sizes.cadres
    n_departed = max(1, round(_DEPARTED_SHARE * n_current))
    total = n_current + n_departed
    n_school = sizes.school_leaders
    n_office = max(1, round(0.05 * total))
    n_sao = max(1, round(0.013 * total))
    n_league = max(1, round(0.009 * total))
    n_college = total - n_school - n_office - n_sao - n_league

    # college cadres: proportional to what the college must cover, except a few short colleges
    need = (
        classes.groupby("college").size().reindex(colleges["id"], fill_value=0)
        + branches.groupby("college").size().reindex(colleges["id"], fill_value=0)
        + societies[societies["college"] != ""]
        .groupby("college")
        .size()
        .reindex(colleges["id"], fill_value=0)
    ).to_numpy()
    n = len(colleges)
    n_short = max(1, round(_SHORT_SHARE * n)) if n >= 3 else 0
    smaller_half = np.argsort(need, kind="stable")[: max(n_short, n // 2)]
    short = np.zeros(n, dtype=bool)
    short[rng.choice(smaller_half, size=n_short, replace=False)] = True
    per_college = np.zeros(n, dtype=np.int64)
    per_college[short] = np.maximum(2, np.floor(need[short] * rng.uniform(0.45, 0.8, n_short)))
    budget = max(n_college - int(per_college[short].sum()), 2 * int((~short).sum()))
    per_college[~short] = _apportion(
        budget, need[~short] * rng.uniform(0.75, 1.35, int((~short).sum())), minimum=2
    )
    colleges["short"] = short

    # roles inside a college: a leadership team, department heads, professors, young teachers
    n_leaders = np.clip(np.round(per_college * 0.1), 1, 8).astype(np.int64)
    n_depts = np.round(per_college * 0.15).astype(np.int64)
    n_profs = np.round(per_college * 0.08).astype(np.int64)
    n_young = per_college - n_leaders - n_depts - n_profs
    college_roles = [Role.COLLEGE_LEADER, Role.DEPT_LEADER, Role.PROFESSOR, Role.YOUNG_TEACHER]
    role_counts = np.stack([n_leaders, n_depts, n_profs, n_young], axis=1)
    c_college = np.repeat(np.repeat(np.arange(n), 4), role_counts.ravel())
    c_role = np.repeat(np.tile(np.array(college_roles, dtype=object), n), role_counts.ravel())

    central_roles = np.array(
        [Role.SCHOOL_LEADER] * n_school
        + [Role.OFFICE_LEADER] * n_office
        + [Role.SAO_CADRE] * n_sao
        + [Role.LEAGUE_CADRE] * n_league,
        dtype=object,
    )
    role = np.concatenate([central_roles, c_role])
    count = len(role)
    college_idx = np.concatenate([np.full(len(central_roles), -1), c_college])
    is_college = college_idx >= 0

    unit = np.empty(count, dtype=object)
    unit[np.flatnonzero(central_roles == Role.SCHOOL_LEADER)] = _SCHOOL_LEADER_UNIT
    office_pos = np.flatnonzero(central_roles == Role.OFFICE_LEADER)
    unit[office_pos] = np.array(_OFFICES)[rng.integers(len(_OFFICES), size=len(office_pos))]
    unit[np.flatnonzero(central_roles == Role.SAO_CADRE)] = _SAO_UNIT
    unit[np.flatnonzero(central_roles == Role.LEAGUE_CADRE)] = _LEAGUE_UNIT
    college_ids = colleges["id"].to_numpy()
    unit[is_college] = college_ids[college_idx[is_college]]

    male_share = np.array([_MALE_SHARE[r] for r in role])
    male = rng.random(count) < male_share

    campus_names = np.array([c for c, _, _ in _CAMPUSES[: sizes.campuses]])
    share = np.array([s for _, _, s in _CAMPUSES[: sizes.campuses]])
    any_campus = campus_names[rng.choice(len(campus_names), size=count, p=share / share.sum())]
    own_campus = colleges["campus"].to_numpy()[np.maximum(college_idx, 0)]
    campus = np.where(is_college & (rng.random(count) >= _OFF_CAMPUS_SHARE), own_campus, any_campus)

    ids = rng.choice(999_999, size=count, replace=False) + 1
    # the departed are drawn from everybody but the school leaders, so their count stays
    departed = np.zeros(count, dtype=bool)
    departed[rng.choice(np.arange(n_school, count), size=n_departed, replace=False)] = True
    current = np.flatnonzero(~departed)
    new = np.zeros(count, dtype=bool)
    new[rng.choice(current, size=round(_NEW_SHARE * len(current)), replace=False)] = True
    available = np.where(rng.random(count) < _ON_LEAVE_SHARE, "no", "yes")

    return pd.DataFrame(
        {
            "id": np.char.zfill(ids.astype(str), 6),
            "name": _person_names(rng, male),
            "gender": np.where(male, "M", "F"),
            "role": [str(r) for r in role],
            "unit": unit,
            "campus": campus,
            "available": available,
            "college": np.where(is_college, unit, ""),
            "departed": departed,
            "new": new,
        }
    )


def _make_dorms(
    rng: np.random.Generator,
    sizes: Preset,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    cadres: pd.DataFrame,
) -> pd.DataFrame:
    """Dorm rooms in single-gender buildings on each college's campus.

    Rooms follow the college's students; each college gets more rooms of each gender than it
    has cadres of that gender, so its cadres always find a room when classes run out.
    """
    n = len(colleges)
    students = classes.groupby("college")["size"].sum().reindex(colleges["id"]).to_numpy()
    rooms = _apportion(sizes.dorms, students.astype(float))
    female_share = rng.uniform(0.35, 0.68, size=n)
    rooms_f = np.round(rooms * female_share).astype(np.int64)
    rooms_m = rooms - rooms_f
    college_cadres = cadres[cadres["college"] != ""]
    by_gender = (
        college_cadres.groupby(["college", "gender"]).size().unstack(fill_value=0)
        .reindex(index=colleges["id"], columns=["M", "F"], fill_value=0)
    )  # fmt: skip
    floor_m = np.ceil(by_gender["M"].to_numpy() * 1.1).astype(np.int64) + 2
    floor_f = np.ceil(by_gender["F"].to_numpy() * 1.1).astype(np.int64) + 2
    rooms_m = np.maximum(rooms_m, floor_m)
    rooms_f = np.maximum(rooms_f, floor_f)

    counts = np.stack([rooms_m, rooms_f], axis=1).ravel()
    college_idx = np.repeat(np.repeat(np.arange(n), 2), counts)
    gender = np.repeat(np.tile(np.array(["M", "F"]), n), counts)
    group = college_idx * 2 + (gender == "F")
    rank = _rank_within(group)
    group_size = counts[group]
    grade = np.array(GRADES)[(rank * len(GRADES)) // group_size]
    campus_order = np.array([_campus_order(c) for c in colleges["campus"]])[college_idx]

    frame = pd.DataFrame(
        {
            "college_idx": college_idx,
            "gender": gender,
            "grade": grade,
            "campus_order": campus_order,
        }
    ).sort_values(["campus_order", "gender", "college_idx", "grade"], kind="stable")
    frame = frame.reset_index(drop=True)

    # chunk each (campus, gender) run of rooms into buildings of 5-8 floors, 10-24 rooms each
    building = np.empty(len(frame), dtype=np.int64)
    local = np.empty(len(frame), dtype=np.int64)
    per_floor = np.empty(len(frame), dtype=np.int64)
    overseas = np.empty(len(frame), dtype=bool)
    campus_key = frame["campus_order"].to_numpy()
    run_key = campus_key * 2 + (frame["gender"].to_numpy() == "F")
    next_building: dict[int, int] = {}
    for key in np.unique(run_key):
        positions = np.flatnonzero(run_key == key)
        campus_of_run = int(key) // 2
        size = len(positions)
        floors: list[int] = []
        widths: list[int] = []
        while sum(f * w for f, w in zip(floors, widths, strict=True)) < size:
            floors.append(int(rng.integers(5, 9)))
            widths.append(int(rng.integers(10, 25)))
        capacity = np.array(floors) * np.array(widths)
        starts = np.concatenate([[0], np.cumsum(capacity)[:-1]])
        pos = np.arange(size)
        b = np.searchsorted(np.cumsum(capacity), pos, side="right")
        first = next_building.get(campus_of_run, 1)
        next_building[campus_of_run] = first + len(capacity)
        building[positions] = first + b
        local[positions] = pos - starts[b]
        per_floor[positions] = np.array(widths)[b]
        # about a third of the buildings house students from Hong Kong, Macau, Taiwan and
        # abroad, two to a room
        overseas[positions] = (rng.random(len(capacity)) < 0.33)[b]

    room = (local // per_floor + 1) * 100 + local % per_floor + 1
    residents = np.where(overseas, 2, 4) - (rng.random(len(frame)) < 0.06)
    idx = frame["college_idx"].to_numpy()
    campus = pd.Series(colleges["campus"].to_numpy()[idx])
    code = pd.Series(colleges["code"].to_numpy()[idx])
    building_s = pd.Series(building).astype(str)
    room_s = pd.Series(room).astype(str)
    return pd.DataFrame(
        {
            "id": code + "-" + building_s + "-" + room_s,
            "building": _campus_short(campus) + building_s + "栋",
            "room": room_s,
            "campus": campus,
            "gender": frame["gender"].to_numpy(),
            "residents": residents.astype(int),
            "college": colleges["id"].to_numpy()[idx],
            "grade": frame["grade"].to_numpy(),
        }
    )


def _targets(
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    dorms: pd.DataFrame,
    societies: pd.DataFrame,
    branches: pd.DataFrame,
) -> pd.DataFrame:
    """Every target in one frame, plus the classes that graduated after last semester.

    Columns: ``kind, id, college`` (``""`` for a university-level society), ``campus, gender``
    (dorms only), ``grade`` (0 where unknown), ``exists`` (False for a graduated class).
    """
    newest = classes[classes["grade"] == GRADES[-1]]
    graduated = pd.DataFrame(
        {
            "id": str(GRADUATED_GRADE) + newest["id"].str.slice(len(str(GRADES[-1]))),
            "college": newest["college"],
            "campus": newest["campus"],
            "grade": GRADUATED_GRADE,
            "exists": False,
        }
    )
    parts = [
        classes[["id", "college", "campus", "grade"]].assign(kind=str(Kind.CLASS), exists=True),
        graduated.assign(kind=str(Kind.CLASS)),
        dorms[["id", "college", "campus", "gender", "grade"]].assign(
            kind=str(Kind.DORM), exists=True
        ),
        societies[["id", "college", "campus"]].assign(kind=str(Kind.SOCIETY), exists=True),
        branches[["id", "college", "campus"]].assign(kind=str(Kind.BRANCH), exists=True),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["gender"] = frame["gender"].fillna("")
    frame["grade"] = frame["grade"].fillna(0).astype(int)
    return frame[["kind", "id", "college", "campus", "gender", "grade", "exists"]]


def _index_by(keys: pd.Series) -> dict[str, np.ndarray]:
    """Positions of each distinct key in ``keys`` (in order of first appearance)."""
    return {str(k): np.asarray(v) for k, v in keys.groupby(keys, sort=False).indices.items()}


def _make_previous(
    rng: np.random.Generator, cadres: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """Last semester's approved plan: one target per cadre who was there, within the rules.

    This year's freshmen classes did not exist yet; the classes that have since graduated did.
    College cadres held targets of their own college (classes, branches and societies first),
    dorms of their own gender; school leaders held classes or branches of distinct colleges;
    the other central cadres covered what was left, then dorms on their campus.
    """
    last = cadres[~cadres["new"]]
    kind = targets["kind"].to_numpy()
    was_there = ~((kind == Kind.CLASS) & (targets["grade"].to_numpy() == GRADES[-1]))
    free = was_there.copy()
    non_dorm = kind != Kind.DORM
    holder = np.full(len(targets), -1, dtype=np.int64)  # row of ``cadres`` holding the target
    # target rows by (college, slot) and (campus, slot): slot "all" for classes, branches and
    # societies, the gender for dorms; built once, filtered by ``free`` when used
    slot = np.char.add("/", np.where(non_dorm, "all", targets["gender"].to_numpy()).astype(str))
    by_college = _index_by(pd.Series(np.char.add(targets["college"].to_numpy().astype(str), slot)))
    by_campus = _index_by(pd.Series(np.char.add(targets["campus"].to_numpy().astype(str), slot)))
    empty = np.array([], dtype=np.int64)

    def free_in(groups: dict[str, np.ndarray], key: str) -> np.ndarray:
        rows = groups.get(key, empty)
        return rows[free[rows]]

    def give(cadre_rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """Give ``pool`` targets to ``cadre_rows`` in random order; return who got nothing."""
        pool = rng.permutation(pool)
        cadre_rows = rng.permutation(cadre_rows)
        k = min(len(pool), len(cadre_rows))
        holder[pool[:k]] = cadre_rows[:k]
        free[pool[:k]] = False
        return cadre_rows[k:]

    c_gender = cadres["gender"].to_numpy()
    c_campus = cadres["campus"].to_numpy()
    college_of = last["college"].to_numpy()
    rows = last.index.to_numpy()
    college_rows = rows[college_of != ""]
    for college, mine in _index_by(pd.Series(college_of[college_of != ""])).items():
        pool = free_in(by_college, f"{college}/all")
        # most, not all, of a college's classes, branches and societies were covered
        pool = rng.permutation(pool)[: round(0.92 * len(pool))]
        left = give(college_rows[mine], pool)
        for g in ("M", "F"):
            give(left[c_gender[left] == g], free_in(by_college, f"{college}/{g}"))

    role = last["role"].to_numpy()
    leaders = rows[role == Role.SCHOOL_LEADER]
    colleges = rng.permutation(sorted({c for c in targets["college"] if c}))[: len(leaders)]
    for leader, college in zip(leaders, colleges, strict=False):
        pool = free_in(by_college, f"{college}/all")
        pool = pool[np.isin(kind[pool], [Kind.CLASS, Kind.BRANCH])]
        if len(pool):
            give(np.array([leader]), pool)

    central = rng.permutation(rows[(college_of == "") & (role != Role.SCHOOL_LEADER)])
    half = len(central) // 2
    give(central[:half], np.flatnonzero(free & non_dorm))
    rest = central[half:]
    rest_key = np.char.add(np.char.add(c_campus[rest].astype(str), "/"), c_gender[rest].astype(str))
    for key, members in _index_by(pd.Series(rest_key)).items():
        give(rest[members], free_in(by_campus, key))

    held = np.flatnonzero(holder >= 0)
    held = held[np.argsort(holder[held], kind="stable")]  # in roster order
    return pd.DataFrame(
        {
            "cadre": cadres["id"].to_numpy()[holder[held]],
            "kind": kind[held],
            "target": targets["id"].to_numpy()[held],
        }
    )


def _make_pins(
    rng: np.random.Generator,
    colleges: pd.DataFrame,
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
    previous: pd.DataFrame,
) -> pd.DataFrame:
    """Two to five pins that agree with each other and with every hard rule.

    Always a ``require`` (a college cadre to a freshman class of their college) and a ``forbid``
    (a college cadre and last semester's target); then, in this order, a school leader required
    for a branch, a league cadre required for a university-level society, and a SAO cadre
    forbidden a class. Every pin has its own cadre; no target is required twice.
    """
    ok = (cadres["available"] == "yes") & ~cadres["departed"]
    existing = targets[targets["exists"]]
    used_cadres: set[str] = set()
    required: set[str] = set()
    pins: list[tuple[str, str, str, str]] = []

    def pick_cadre(mask: pd.Series) -> pd.Series | None:
        pool = cadres[mask & ok & ~cadres["id"].isin(used_cadres)]
        if pool.empty:
            return None
        row = pool.iloc[int(rng.integers(len(pool)))]
        used_cadres.add(row["id"])
        return row

    def pick_target(mask: pd.Series) -> pd.Series | None:
        pool = existing[mask & ~existing["id"].isin(required)]
        if pool.empty:
            return None
        return pool.iloc[int(rng.integers(len(pool)))]

    # 1. require: a college cadre of a well-staffed college takes a freshman class of it
    staffed = set(colleges.loc[~colleges["short"], "id"])
    cadre = pick_cadre(cadres["college"].isin(staffed))
    if cadre is not None:
        target = pick_target(
            (existing["kind"] == Kind.CLASS)
            & (existing["college"] == cadre["college"])
            & (existing["grade"] == GRADES[-1])
        )
        if target is not None:
            pins.append((cadre["id"], target["kind"], target["id"], "require"))
            required.add(target["id"])

    # 2. forbid: a college cadre may not keep last semester's target
    held = previous[previous["target"].isin(existing["id"])]
    cadre = pick_cadre(cadres["college"].ne("") & cadres["id"].isin(held["cadre"]))
    if cadre is not None:
        row = held[held["cadre"] == cadre["id"]].iloc[0]
        pins.append((cadre["id"], row["kind"], row["target"], "forbid"))

    extras: list[tuple[str, str, str, str]] = []
    # 3. require: a school leader takes a party branch (one school leader: spread holds)
    cadre = pick_cadre(cadres["role"] == Role.SCHOOL_LEADER)
    target = pick_target(existing["kind"] == Kind.BRANCH)
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "require"))
        required.add(target["id"])
    # 4. require: a league cadre guides a university-level society
    cadre = pick_cadre(cadres["role"] == Role.LEAGUE_CADRE)
    target = pick_target((existing["kind"] == Kind.SOCIETY) & (existing["college"] == ""))
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "require"))
        required.add(target["id"])
    # 5. forbid: a SAO cadre may not take a class
    cadre = pick_cadre(cadres["role"] == Role.SAO_CADRE)
    target = pick_target(existing["kind"] == Kind.CLASS)
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "forbid"))

    pins += extras[: int(rng.integers(0, 4))]
    return pd.DataFrame(pins, columns=["cadre", "kind", "target", "rule"])


# --- writing -----------------------------------------------------------------------------------

_ZH_VALUES: dict[str, dict[str, str]] = {
    "role": {str(r): zh for r, zh in ROLE_LABELS_ZH.items()},
    "kind": {str(k): zh for k, zh in KIND_LABELS_ZH.items()},
    "gender": {"M": "男", "F": "女"},
    "bool": {
        "yes": next(k for k, v in BOOL_ALIASES.items() if v and not k.isascii()),
        "no": next(k for k, v in BOOL_ALIASES.items() if not v and not k.isascii()),
    },
    "rule": {v: k for k, v in PIN_RULE_ALIASES.items() if not k.isascii()},
}
"""English vocabulary value -> what a Chinese roster writes, per column type."""


def _localise(name: str, frame: pd.DataFrame, headers: str) -> pd.DataFrame:
    """The frame as written: Chinese headers and vocabulary for ``zh``, unchanged for ``en``."""
    if headers == "en":
        return frame
    table = TABLES[name]
    out = frame.copy()
    for column in table.columns:
        if column.name in out and column.type in _ZH_VALUES:
            values = out[column.name].astype(str)
            out[column.name] = values.map(_ZH_VALUES[column.type]).fillna(values)
    return out.rename(columns={c.name: c.alias for c in table.columns})


def _append_sheet(workbook: Workbook, sheet: str, table: str, frame: pd.DataFrame) -> None:
    """Add ``frame`` as a sheet: integer columns as numbers, everything else as text."""
    ws = workbook.create_sheet(title=sheet)
    ws.append([str(c) for c in frame.columns])
    types = {c.alias: c.type for c in TABLES[table].columns} | {
        c.name: c.type for c in TABLES[table].columns
    }
    columns: list[list[Any]] = []
    for col in frame.columns:
        values = frame[col]
        if types.get(str(col)) == "int":
            columns.append([None if pd.isna(v) else int(v) for v in values])
        else:
            columns.append([None if pd.isna(v) or v == "" else str(v) for v in values])
    for row in zip(*columns, strict=True):
        ws.append(list(row))


def _remove_other_outputs(out: Path, keep: set[Path]) -> None:
    """Delete table files this generator may have written before in another format/language."""
    candidates = [out / WORKBOOK_NAME]
    for table in TABLES.values():
        for name in (table.name, table.alias):
            candidates += [out / f"{name}.csv", out / f"{name}.xlsx"]
    for path in candidates:
        if path not in keep and path.is_file():
            path.unlink()
