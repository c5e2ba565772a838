"""What things are called in the demo city: people, places, roads and phone numbers.

Names are drawn from small Chinese vocabularies so that screens look like a
real command centre's (and so that masking of personal data is tested on
data that looks personal). Road names are a pure function of the area code,
so the generator and the live feed title tickets in the same grid alike.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# The most common surnames, most frequent first: drawn with falling weights.
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAME_CHARACTERS = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉健波宁琳雪峰凯浩宇晨欣怡子涵梓博文俊婷倩颖璐思嘉佳慧瑶晓天昊然轩睿诗雨建国志新春海燕丹亮斌"
)

# Place-name stems are two characters, one from each list: 玉林, 青龙, 金桥 ...
STEM_FIRST = tuple("东西南北新金玉青红白龙凤桂柳双永安和华文福寿康宁春秋梅兰竹松石花桃杏荷莲望仁德兴")
STEM_SECOND = tuple("桥坝湾林溪塘岗园门埠坪山江河泉堰港浜坊苑里巷庄亭台湖洲村口")
ROAD_SUFFIXES = ("路", "路", "路", "街", "巷", "弄", "大道")

MOBILE_PREFIXES = tuple(
    str(prefix)
    for prefix in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159,
                   176, 177, 178, *range(180, 190), 198, 199)
)


def person_names(count: int, rng: np.random.Generator) -> np.ndarray:
    """Chinese full names: a surname (common ones more often) and one or two given characters."""
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
    surnames = rng.choice(np.array(SURNAMES), count, p=weights / weights.sum())
    characters = np.array(GIVEN_NAME_CHARACTERS)
    first = rng.choice(characters, count)
    # About a third of given names have a single character.
    second = np.where(rng.random(count) < 0.65, rng.choice(characters, count), "")
    return np.strings.add(np.strings.add(surnames, first), second).astype(object)


def mobile_numbers(count: int, rng: np.random.Generator) -> np.ndarray:
    """Plausible 11-digit mainland mobile numbers (a real carrier prefix and 8 digits)."""
    prefixes = rng.choice(np.array(MOBILE_PREFIXES), count)
    subscribers = np.char.mod("%08d", rng.integers(0, 100_000_000, count))
    return np.strings.add(prefixes, subscribers).astype(object)


def place_stems(count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct two-character place names, for the units of one parent."""
    picks = rng.choice(len(STEM_FIRST) * len(STEM_SECOND), count, replace=False)
    return [STEM_FIRST[pick // len(STEM_SECOND)] + STEM_SECOND[pick % len(STEM_SECOND)] for pick in picks]


def road_names(area_codes: np.ndarray) -> np.ndarray:
    """The road a ticket in each area is reported on: fixed by the area code, so every writer agrees."""
    hashes = pd.util.hash_array(np.asarray(area_codes, dtype=object), categorize=True)
    first = np.array(STEM_FIRST)[hashes % len(STEM_FIRST)]
    second = np.array(STEM_SECOND)[(hashes // len(STEM_FIRST)) % len(STEM_SECOND)]
    suffix = np.array(ROAD_SUFFIXES)[(hashes // 7919) % len(ROAD_SUFFIXES)]
    return np.strings.add(np.strings.add(first, second), suffix)
