"""Chinese word segmentation: jieba's dictionary with our service words, loaded fast, cut fast.

jieba is fenced in here: imported, its logging silenced, only to build our cache of its dictionary or for
its HMM mode. `dictionary_cut()` gives exactly the words of jieba's dictionary mode (`lcut(text, HMM=False)`), with its dynamic programme
over the prefix dictionary written as one loop: jieba builds a DAG dict, then scores it with a generator
and a logarithm per candidate; here the candidates are scored as they are found and each word's
log-probability is worked out once per process. `tests/test_tokenizers.py` holds it to jieba's own cut.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import logging
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

# Service-domain words jieba's general dictionary splits or misses (simplified; traditional input is converted).
USER_WORDS = (
    "客服 性价比 送餐 外卖 前台 退款 快递 服务态度 快递员 骑手 外卖员 差评 好评 给力 无语 踩雷 退货 换货 售后 物流 "
    "发货 到货 包装 上门 维修 保修 网购 宅配 超商取货 物超所值 不耐烦 爱答不理 回购 拉黑 卸载 销户 携号转网 "
    "换一家 再也不来 还会再来 不会再买 客服电话 人工客服 机器人客服 退房 入住 前台小姐 服务员 收银员 营业厅 "
    "套餐 流量 话费 信号 宽带 网速 航班 延误 晚点 改签 退票 行李 值机 空乘 高铁 动车 检票 柜台 柜员 理赔 保单 "
    "信用卡 手续费 年费 扣款 乱收费 隐形消费 服务费 配送费 运费 包邮 缺货 漏发 错发 少发 破损 变质 过期 "
    "假货 正品 专业 靠谱 不靠谱 耐心 热情 冷漠 敷衍 推脱 踢皮球 排队 等位 上菜 出餐 分量 口味 新鲜 难吃 好吃 "
    "没收到 没送到 没到货 没回复 没人理 没人管 不回复 干净 卫生 脏乱差 隔音 装修 环境 设施 停车位 态度恶劣 态度好 效率低 效率高 坑人 血亏 智商税 yyds"
).split()


@functools.cache
def prefix_dictionary() -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary with our service words (each word and word prefix -> its frequency, 0 for
    a prefix only; and the total), read from our cache without importing jieba, whose import alone takes
    0.2 s; without a usable cache, built by jieba as usual and then cached."""
    cache = _dictionary_cache()
    loaded = _load_dictionary(cache) if cache is not None else None
    if loaded is not None:
        return loaded
    tokenizer = _jieba()
    tokenizer.initialize()
    for word in USER_WORDS:
        tokenizer.add_word(word, freq=50000)
    if cache is not None:
        _save_dictionary(tokenizer.FREQ, tokenizer.total, cache)
    return tokenizer.FREQ, tokenizer.total


@functools.cache
def segmenter() -> Any:
    """A jieba tokenizer over that dictionary, for jieba's own modes (HMM on: `ChineseTokenizer(hmm=True)`)."""
    tokenizer = _jieba()
    tokenizer.FREQ, tokenizer.total = prefix_dictionary()
    tokenizer.initialized = True
    return tokenizer


def _jieba() -> Any:
    """A new, empty jieba tokenizer, jieba's logging silenced."""
    try:
        import jieba
    except ImportError as exc:  # pragma: no cover - jieba is a declared dependency
        raise ImportError("Chinese needs jieba: pip install jieba") from exc
    jieba.setLogLevel(logging.WARNING)  # it logs "Building prefix dict ..." to stderr at DEBUG
    return jieba.Tokenizer()


def _dictionary_cache(package: Path | None = None) -> Path | None:
    """Where jieba's prefix dictionary with our words is kept between runs, as plain arrays: jieba's own
    cache (a marshal file) takes 0.8 s to load, this one 0.3 s. Named after what it is built from (jieba's
    code and dict.txt, found without importing jieba, and our word list), so a change to any of them
    builds a new one. None if jieba or its dict.txt cannot be found."""
    if package is None:
        spec = importlib.util.find_spec("jieba")
        if spec is None or spec.origin is None:
            return None
        package = Path(spec.origin).parent
    try:
        sources = [(package / name).stat() for name in ("__init__.py", "dict.txt")]
    except OSError:
        return None
    stamp = " ".join(f"{s.st_size}:{s.st_mtime_ns}" for s in sources)
    key = hashlib.sha256(f"{package} {stamp} {' '.join(USER_WORDS)}".encode()).hexdigest()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "feedback-classifier" / f"jieba-{key[:16]}.npz"


def _load_dictionary(cache: Path) -> tuple[dict[str, int], int] | None:
    """The dictionary and total from our cache; None when there is none or it cannot be read."""
    try:
        with np.load(cache, allow_pickle=False) as arrays:
            words = arrays["words"].tobytes().decode("utf-8").split("\n")
            counts = arrays["counts"]
            if len(words) != len(counts):
                return None
            return dict(zip(words, counts.tolist())), int(arrays["total"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing or damaged: rebuild
        return None


def _save_dictionary(freq: dict[str, int], total: int, cache: Path) -> None:
    """Write our cache atomically (a temporary sibling renamed into place); a failure only costs speed."""
    words = "\n".join(freq)
    if words.count("\n") != len(freq) - 1:
        return  # a word with a line break (a user dictionary's): keep jieba's own cache only
    temporary = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out,
                words=np.frombuffer(words.encode("utf-8"), dtype=np.uint8),
                counts=np.fromiter(freq.values(), dtype=np.int64, count=len(freq)),
                total=np.int64(total),
            )
        os.replace(temporary, cache)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


#: jieba's split of a text into blocks it cuts with the dictionary and the rest, and of the rest at spaces
#: (its re_han_default and re_skip_default; a test checks they are still jieba's).
_BLOCKS = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_SPACES = re.compile("(\r\n|\\s)")
#: ASCII letters and digits: jieba joins runs of them that its dictionary cuts into single characters.
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


#: What `DictionaryCut` knows of a fragment besides a word's log-probability.
_PREFIX_ONLY, _NOT_PREFIX = math.inf, -math.inf
#: Past this many fragments the cut's cache starts afresh (memory stays bounded on endless input).
_MAX_FRAGMENTS = 500_000


class DictionaryCut:
    """jieba's dictionary-mode cut (no HMM) over a prefix dictionary like jieba's (`prefix_dictionary`)."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self.freq = freq
        self.log_total = math.log(total)
        # fragment -> log(frequency) - log(total) for a word, _PREFIX_ONLY or _NOT_PREFIX: one lookup per
        # step where jieba makes two or three, learnt on first sight
        self.fragments: dict[str, float] = {}

    def __call__(self, text: str) -> list[str]:
        """The words of `text`, exactly as `lcut(text, HMM=False)` of a jieba tokenizer with the same dictionary."""
        if len(self.fragments) > _MAX_FRAGMENTS:
            self.fragments.clear()
        words: list[str] = []
        for block in _BLOCKS.split(text):
            if not block:
                continue
            if _BLOCKS.match(block):
                self._cut_block(block, words)
                continue
            for part in _SPACES.split(block):
                if _SPACES.match(part):
                    words.append(part)
                else:
                    words.extend(part)  # character by character, as jieba does
        return words

    def _learn(self, fragment: str) -> float:
        frequency = self.freq.get(fragment)
        known = _NOT_PREFIX if frequency is None else _PREFIX_ONLY if not frequency else math.log(frequency) - self.log_total
        self.fragments[fragment] = known
        return known

    def _cut_block(self, block: str, words: list[str]) -> None:
        """The most probable path through the block's dictionary words (ties go to the longer word), with
        runs of single ASCII letters and digits joined."""
        lookup, learn = self.fragments.get, self._learn
        n = len(block)
        score = [0.0] * (n + 1)
        end = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            best, best_end = -math.inf, 0
            i = k + 1  # the fragment is block[k:i]
            fragment = block[k]
            while True:
                known = lookup(fragment)
                if known is None:
                    known = learn(fragment)
                if known == _NOT_PREFIX:
                    break
                if known != _PREFIX_ONLY:
                    candidate = known + score[i]
                    if candidate >= best:  # on a tie the later end, the longer word, wins (as in jieba)
                        best, best_end = candidate, i
                if i == n:
                    break
                i += 1
                fragment = block[k:i]
            if not best_end:  # no dictionary word starts here: the character alone
                best, best_end = math.log(self.freq.get(block[k]) or 1) - self.log_total + score[k + 1], k + 1
            score[k], end[k] = best, best_end
        run = ""
        x = 0
        while x < n:
            word = block[x : end[x]]
            x = end[x]
            if len(word) == 1 and word in _ASCII_ALNUM:
                run += word
                continue
            if run:
                words.append(run)
                run = ""
            words.append(word)
        if run:
            words.append(run)


@functools.cache
def dictionary_cut() -> DictionaryCut:
    """The fast dictionary-mode cut over our dictionary, built once per process."""
    return DictionaryCut(*prefix_dictionary())
