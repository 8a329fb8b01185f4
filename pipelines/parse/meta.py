"""Title, agency, year, whether it is a report at all, and the section headings."""

from __future__ import annotations

import re

from pipelines.parse.cells import label

# Section key → words of its heading; checked in this order.
_SECTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("other", ("其他需要报告", "其他需要说明", "其他需报告", "其他事项", "需要说明的事项")),
    ("problems", ("存在的主要问题", "主要问题", "存在问题", "问题及改进", "改进情况")),
    ("review_litigation", ("复议",)),
    ("applications", ("收到和处理", "依申请公开", "申请情况")),
    ("active_disclosure", ("主动公开",)),
    ("overview", ("总体情况", "基本情况", "概述")),
)
_NUMBERING = re.compile(
    r"^(?:第?[一二三四五六七八九十]{1,2}(?:部分)?[、.,:]?|[0-9]{1,2}[、.]|[一二三四五六七八九十]{1,2}\s)"
)
_MAX_HEADING = 26

_REPORT_WORDS = ("年度报告", "年报", "工作报告", "年度工作情况")
_DISCLOSURE_WORDS = ("信息公开", "政务公开")
_NOT_REPORT_WORDS = (
    "指南",
    "通知",
    "目录",
    "办法",
    "规定",
    "制度",
    "意见",
    "方案",
    "公告",
    "须知",
    "要点",
    "总结",
    "计划",
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# In running text a year reported on is not a date (2024年1月20日 signs the report) — but
# the year's last day is (截至2023年12月31日) — and not inside a citation (（2019年修订）).
_DATE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*(?!12\s*月\s*31)\d{1,2}\s*月)")
_CITED = re.compile(r"《[^》]*》|（[^）]*）|\([^)]*\)")
_CHINESE_YEAR = re.compile(r"[一二][〇○零一二三四五六七八九]{3}(?=\s*年)")
_CHINESE_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
# Words of a title that make it another kind of page even beside 年度报告: a reading guide
# to the report, news of a meeting about it.
_ABOUT_A_REPORT_WORDS = ("解读", "召开", "部署会", "图解")
# A line of page furniture: a breadcrumb or a link bar, never the title.
_FURNITURE = re.compile(r">|当前位置|所在位置|您的位置|\|")
# A report saying what it is in its first sentences: 本年度报告根据…编制, 特向社会公布2023年度…年度报告.
_SELF_NAMED = re.compile(
    r"本年度报告|本报告|此报告|本年报"
    r"|(?:公布|发布|编制|现公开)[^。《》]{0,30}?(?:19|20)\d{2}年[^。《》]{0,30}?(?:年度报告|年报)"
)
# A wrapper notice that publishes the report below it.
_PUBLISHING_NOTICE = re.compile(r"关于(?:公布|印发|发布|公开)|(?:报告|年报)》?的通知$")
# The name of an issuing body: how it ends.
_BODY_SUFFIX = re.compile(
    r"(?:人民政府|政府|办公室|办公厅|局|分局|委员会|委|管委会|中心|街道|办事处|乡|镇|厅|院|所|站)$"
)
_SIGNATURE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3})年[0-9一二三四五六七八九十]{1,2}月"
    r"[0-9一二三四五六七八九十]{1,3}日$"
)
_PLACE = re.compile(
    r"[\u4e00-\u9fff]{1,10}?(?:省|自治区|市|区|县|州|旗|盟)(?:[\u4e00-\u9fff]{1,10}?(?:市|区|县|旗))?"
)
_TITLE_AGENCY = re.compile(r"^(.*?)\s*(?:19|20)\d{2}\s*年")
# "2019年上海市人民政府办公厅政府信息公开工作年度报告": the agency after the year.
_AGENCY_AFTER_YEAR = re.compile(
    r"^\s*(?:19|20)\d{2}\s*年度?(?!政府信息|政务信息|政务公开)(.+?)(?:政府|政务)?信息公开"
)
# A report naming itself in its first sentence: "现公布泰州市人民政府2017年政府信息公开工作年度报告".
_TITLE_IN_BODY = re.compile(
    r"([^\s,。;:、《》“”\"()]{2,30}?(?:19|20)\d{2}年度?(?:政府|政务)?信息公开(?:工作)?(?:年度)?报告)"
)
# The name may hold a bracketed short name: 上海市科学技术委员会(市科委).
_AGENCY_BEFORE_REPORT = re.compile(
    r"([^\s，。；：:、,（(）)“”\"《》]{2,30}?(?:\([^()]{1,15}\))?)\s*(?:19|20)\d{2}\s*年度?"
    r"(?:政府|政务)?信息公开"
)
_LEADING_FILLER = re.compile(
    r"^(?:以上为|以上是|以上|现将|现予公布|现公布|现公开|现发布|公布|发布|特编制|编制|本报告为|本报告由"
    r"|度报告由|报告由|请与|请联系|联系|特向社会公布|向社会公布|由|这是|关于|印发"
    r"|年度|年|月|日|全年|今年|本年)"
)
_TRAILING_FILLER = re.compile(r"(?:关于|编制的|编制|召开|的)$")
# A label before the name: ``文字解读:``, ``【工作推进】``.
_NAME_LABEL = re.compile(r"^(?:【[^】]*】|[^:]{1,8}:)")
PRONOUNS = frozenset(
    {
        "我局",
        "本局",
        "我厅",
        "本厅",
        "我委",
        "本委",
        "我办",
        "本办",
        "本机关",
        "我单位",
        "本单位",
        "我中心",
        "本中心",
        "我院",
        "本院",
        "我市",
        "我区",
        "我县",
        "我们",
        "本部门",
        "我部门",
    }
)
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff]")


def heading_key(text: str) -> str | None:
    """The section a heading paragraph opens, or None for any other paragraph."""
    compact = label(text)
    if not compact or compact[0] == "(" or "。" in compact or ";" in compact:
        return None
    numbered = _NUMBERING.match(compact)
    rest = compact[numbered.end() :] if numbered else compact
    if len(rest) > _MAX_HEADING or (not numbered and len(rest) > 20):
        return None
    for key, words in _SECTION_WORDS:
        if any(word in rest for word in words):
            return key
    return None


def _title_continues(above: str, line: str) -> bool:
    """The line above is the first half of a title printed on two lines: the agency above
    "2023年…报告", "某某2016年" above "政府信息公开工作年度报告", or a title broken
    anywhere ("…2023年政府信息" above "公开工作年度报告")."""
    above, line = label(above), label(line)
    if len(above) > 40 or re.search(r"^\(|[。,]", above) or _FURNITURE.search(above):
        return False
    if any(word in above for word in _REPORT_WORDS):
        return False
    if _YEAR.match(line):
        return not _YEAR.search(above)
    return not _YEAR.search(line) and _YEAR.search(above) is not None


_TOP_NUMERAL = re.compile(r"^([一二三四五六七八九十]{1,2})[、.]")
_NUMERALS = "一二三四五六七八九十"


def top_heading_number(text: str) -> int | None:
    """``五、政府信息公开的收费及减免情况`` → 5: a top-level numbered heading (a short line
    with no sentence in it), whether or not it opens one of the template's sections."""
    compact = label(text)
    match = _TOP_NUMERAL.match(compact)
    if not match or len(compact) > _MAX_HEADING + 3 or "。" in compact or ";" in compact:
        return None
    numeral = match[1]
    if len(numeral) == 1:
        return _NUMERALS.index(numeral) + 1
    if numeral[0] == "十":
        return 10 + _NUMERALS.index(numeral[1]) + 1
    return None


def _word_across(above: str, line: str) -> bool:
    """A title broken inside its report word: ``…2024年政府信息公开工作年`` / ``度报告``."""
    first, second = label(above)[-5:], label(line)[:5]
    return any(
        word in first + second and word not in first and word not in second
        for word in _REPORT_WORDS
    )


def _title_candidates(paragraphs: list[str]) -> list[str]:
    """Lines of the head that read as a title (with the line above where the title is
    printed on two): no sentence, no breadcrumb."""
    found = []
    for index, text in enumerate(paragraphs):
        compact = label(text)
        across = index > 0 and _word_across(paragraphs[index - 1], text)
        if (
            len(compact) > 60
            or "。" in compact
            or "," in compact
            or _FURNITURE.search(compact)
            or not across
            and not any(word in compact for word in _REPORT_WORDS + _NOT_REPORT_WORDS)
        ):
            continue
        if across or index and _title_continues(paragraphs[index - 1], text):
            found.append(f"{paragraphs[index - 1].strip()}{text.strip()}")
        else:
            found.append(text.strip())
    return found


def find_title(paragraphs: list[str]) -> str | None:
    """The report's title from its first lines: the first line naming a report, or a
    later one naming its agency where the first does not (a page title above the
    document's own), or the report below a notice that publishes it."""
    candidates = _title_candidates(paragraphs[:12])
    if not candidates:
        return None
    first = candidates[0]
    if _PUBLISHING_NOTICE.search(label(first)):
        return next((c for c in candidates[1:] if is_report_title(c)), first)
    if agency_from_title(first) is None and is_report_title(first):
        return next(
            (c for c in candidates[1:] if is_report_title(c) and agency_from_title(c)), first
        )
    return first


def agency_line(paragraphs: list[str], title: str) -> str | None:
    """``2020年政府信息公开工作年度报告`` / ``武昌经开区(滨江)管委会``: the issuing body
    on a line of its own right under a title that does not name it."""
    for index, text in enumerate(paragraphs[:12]):
        if text.strip() and text.strip() in title and index + 1 < len(paragraphs):
            name = label(paragraphs[index + 1])
            if (
                len(name) <= 30
                and not _YEAR.search(name)
                and not re.search(r"[。,:;、]", name)
                and _BODY_SUFFIX.search(name)
                and plausible_agency(name)
            ):
                return name
            return None
    return None


def signature_agency(paragraphs: list[str]) -> str | None:
    """``XX县人民政府办公室`` / ``2024年1月20日``: the body signing at the end."""
    lines = [label(t) for t in paragraphs[-4:] if label(t)]
    for name, date in zip(lines, lines[1:], strict=False):
        if (
            _SIGNATURE_DATE.match(date)
            and len(name) <= 30
            and not re.search(r"[。,:;、]", name)
            and _BODY_SUFFIX.search(name)
            and plausible_agency(name)
        ):
            return name
    return None


def names_itself_report(paragraphs: list[str]) -> bool:
    """The opening sentences call the document a report (``本年度报告根据…编制``,
    ``特向社会公布2012年度我局政府信息公开工作年度报告``), not inside 《》."""
    for text in paragraphs[:3]:
        compact = label(text)
        for match in _SELF_NAMED.finditer(compact):
            before = compact[: match.start()]
            if before.count("《") == before.count("》") and "解读" not in compact:
                return True
    return False


def title_in_body(paragraphs: list[str]) -> str | None:
    """A report's name as its opening sentences state it (``现公布子长市人民政府2023年度
    政府信息公开工作报告``) where no line is a title; names inside 《》 (another document
    cited) do not count."""
    for text in paragraphs[:3]:
        compact = label(text)
        for match in _TITLE_IN_BODY.finditer(compact):
            before = compact[: match.start()]
            if before.count("《") == before.count("》"):
                name = _LEADING_FILLER.sub("", match[1])
                return name if plausible_agency(agency_from_title(name)) else None
    return None


def is_report_title(title: str | None) -> bool | None:
    """True for an annual report's title, False for another kind of document (a guide,
    a notice, a reading of the report, news about it), None where the title does not say."""
    if not title:
        return None
    compact = label(title)
    report_at = max(compact.rfind(word) for word in _REPORT_WORDS)
    if report_at >= 0 and any(w in compact for w in _DISCLOSURE_WORDS):
        after = compact[report_at:]
        if any(word in compact for word in _ABOUT_A_REPORT_WORDS) or any(
            word in after for word in _NOT_REPORT_WORDS
        ):
            return False
        return True
    if any(word in compact for word in _NOT_REPORT_WORDS + _ABOUT_A_REPORT_WORDS):
        return False
    return None


def plausible_agency(name: str | None) -> bool:
    if not name:
        return False
    compact = label(name)
    return 2 <= len(compact) <= 40 and compact not in PRONOUNS and bool(_NAME_CHAR.search(compact))


def plausible_year(year: object) -> bool:
    return isinstance(year, int) and 2007 <= year <= 2100


def _clean_agency(name: str) -> str | None:
    name = _NAME_LABEL.sub("", label(name).strip('《》“”"'))
    name = _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", name))
    return name if plausible_agency(name) else None


def agency_from_title(title: str | None) -> str | None:
    if not title:
        return None
    match = _TITLE_AGENCY.match(title.strip())
    if match and match[1]:
        return _clean_agency(match[1])
    after = _AGENCY_AFTER_YEAR.match(label(title))
    return _clean_agency(after[1]) if after else None


def agency_from_body(paragraphs: list[str]) -> str | None:
    """``…以上为区生态环境分局2020年度政府信息公开工作报告`` → 区生态环境分局."""
    for text in paragraphs:
        for match in _AGENCY_BEFORE_REPORT.finditer(label(text)):
            name = _clean_agency(match[1])
            if name:
                return name
    return None


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(char in chars for char in short)


def fuller_agency(short: str, paragraphs: list[str]) -> str:
    """The first longer name in the opening paragraphs that contains the title's short
    name in order, where the title names no place (title ``生态环境中心``, body
    ``焦作高新区生态环境服务中心``; title ``区生态环境分局``, body ``XX区生态环境分局``).
    What the body adds must itself be a place name."""
    if short[0] not in "省市区县" and _PLACE.search(short[:-1]):
        return short
    tail = short[-2:]
    for text in paragraphs[:12]:
        compact = label(text)
        end = compact.find(tail)
        while end != -1:
            end += len(tail)
            begin = end
            while begin > 0 and _NAME_CHAR.match(compact[begin - 1]) and end - begin < 30:
                begin -= 1
            candidate = _clean_agency(compact[begin:end])
            if candidate and len(candidate) > len(short) and _is_subsequence(short, candidate):
                start = candidate.find(short[:2])
                place = candidate[:start] + (short[0] if short[0] in "省市区县" else "")
                if start > 0 and _PLACE.fullmatch(place):
                    return candidate
            end = compact.find(tail, end)
    return short


def _arabic_year(match: re.Match) -> str:
    return match[0].translate(_CHINESE_DIGITS)


def year_from(texts: list[str]) -> int | None:
    """The first year named (``2023年``, ``二〇二三年``)."""
    for text in texts:
        match = _YEAR.search(_CHINESE_YEAR.sub(_arabic_year, label(text)))
        if match:
            return int(match[1])
    return None


def year_from_body(paragraphs: list[str]) -> int | None:
    """The first plausible year of running text that is neither part of a date nor
    inside a citation or brackets."""
    for text in paragraphs:
        plain = _CITED.sub("", _CHINESE_YEAR.sub(_arabic_year, label(text)))
        for match in _DATE_YEAR.finditer(plain):
            if plausible_year(int(match[1])):
                return int(match[1])
    return None
