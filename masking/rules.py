"""Rule recognisers for PII that does not depend on the applicant: pure functions text → entities.

The spaCy components in ``masking.components`` call these; keeping them free of spaCy lets the
guards (dates, hours, grades, school names, authorities) be tested and read on their own.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from stdnum.cn import ric

from masking.entities import PiiEntity, PiiType

CJK = "\u4e00-\u9fff"


def spaced(*words: str) -> str:
    """An alternation matching each label word even when the form spaces it out ("管 理 号", "姓　　名")."""
    return "|".join(r"\s*".join(re.escape(ch) for ch in word) for word in words)


# First two digits of a resident ID: the province codes. Used instead of stdnum's full
# birth-place table, which goes stale as counties are re-coded.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
}
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ ]?\d){14}(?:(?:[ ]?\d){2}[ ]?[\dXx])?(?![0-9A-Za-z])")
_ID_LABEL = re.compile(r"(身份证|证件号|身份号码|公民身份)")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

_CERT_WORDS = spaced("证书编号", "证书号码", "证书号", "证书编码", "管理号", "登记号", "档案号", "证号", "编号") + r"|No\.?"
_CERT_LABEL = re.compile(
    rf"(?<!文件)(?<!身份)({_CERT_WORDS})\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9\-]{{4,29}})(?![A-Za-z0-9])"
)
_CERT_LABEL_BEFORE = re.compile(rf"(?<!文件)(?<!身份)({_CERT_WORDS})\s*[:：]?\s*$")

SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝乌哈那达其敬"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "长孙", "慕容", "宇文", "呼延", "端木")

_NAME_LABELS = spaced(
    "姓名", "签名", "签字", "审核人", "审批人", "审验人", "经办人", "负责人", "主管领导", "单位领导", "填表人",
    "证明人", "推荐人", "考核人", "联系人", "校（院）长", "校(院)长", "校长", "院长", "主席", "法定代表人",
    "持证人", "验证人", "复核人",
)
# Forms print "单位负责人（签字）：李旭": a bracketed signing note may sit between label and colon.
_NAME_AFTER_LABEL = re.compile(
    rf"({_NAME_LABELS})\s*(?:[（(]\s*(?:签字|签名|签章|盖章)\s*[）)])?\s*[:：]?\s*([{CJK}·]{{2,6}})")
# A name candidate stops where the next form label begins ("姓名王建国性别男").
_NAME_STOPS = (
    "性别", "出生", "民族", "身份", "单位", "职务", "职称", "日期", "部门", "专业", "学历", "籍贯",
    "电话", "政治", "签", "盖", "年", "月", "日", "男", "女", "（", "(",
)
# Words that end a name candidate. Whole words, not their characters: 秀, 学, 同, 时 and 意 are
# common in given names (边秀兰, 李学军), so a character list would cut real names short.
_NOT_NAME_WORDS = (
    "年", "月", "日", "章", "印", "盖", "签", "局", "院", "处", "单位", "部门", "公司", "科室", "审核", "意见",
    "同意", "合格", "优秀", "称职", "批准", "证书", "编号", "时间", "学历", "学位", "学校", "字样",
)

_UNIT_STRONG = r"有限责任公司|股份有限公司|有限公司|分公司|公司|供电局|电业局|研究院|设计院|医院|集团"
_UNIT_WEAK = r"局|院|厂|站|中心|学校|大学|学院"
_UNIT = re.compile(rf"[{CJK}（）()]{{2,40}}?(?:{_UNIT_STRONG}|{_UNIT_WEAK})")
_UNIT_STRONG_END = re.compile(rf"(?:{_UNIT_STRONG})$")
_EMPLOYER_LABEL = re.compile(
    rf"({spaced('工作单位', '所在单位', '申报单位', '单位名称', '任职单位', '推荐单位', '单位')})\s*[:：]?\s*$"
)
_LEADING_WORDS = re.compile(r"^(工作单位|所在单位|申报单位|单位名称|任职单位|推荐单位|单位|现任|任职于|就职于|在|于|经)")
_SCHOOL_END = re.compile(r"(大学|学院|学校)$")
_PLACE = re.compile(r"(省|自治区|市|盟|县|旗|区|内蒙古)")
# Issuing authorities are public bodies, not the applicant's employer: they stay visible.
_AUTHORITY = re.compile(r"(人力资源|社会保障|人事|教育厅|教育部|评审委员会|职称改革|职改|继续教育)")

_ADDRESS_LABEL = re.compile(
    rf"(家庭住址|现住址|住址|通讯地址|联系地址|家庭地址|户籍地址|地址|住所)\s*[:：]?\s*([{CJK}0-9A-Za-z\-#（）()]{{4,60}})"
)
_ADDRESS_STREET = re.compile(
    rf"(?:[{CJK}]{{2,8}}(?:省|自治区))?(?:[{CJK}]{{2,10}}(?:市|盟))?(?:[{CJK}]{{1,8}}(?:区|县|旗))?"
    rf"[{CJK}0-9]{{1,12}}?(?:路|大街|街|巷|道)[0-9一二三四五六七八九十]{{1,5}}号"
    rf"(?:院)?(?:[0-9]{{1,4}}(?:号楼|栋|幢))?(?:[0-9]{{1,3}}单元)?(?:[0-9]{{1,5}}(?:室|号))?"
)
_ADDRESS_ESTATE = re.compile(
    rf"(?:[{CJK}]{{2,10}}(?:市|盟))?(?:[{CJK}]{{1,8}}(?:区|县|旗))?[{CJK}]{{2,10}}?(?:小区|花园|家园|公寓)"
    rf"[0-9]{{1,4}}(?:号楼|栋|幢)(?:[0-9]{{1,3}}单元)?(?:[0-9]{{1,5}}室)?"
)
_ADDRESS_LEADING = re.compile(r"^(家庭住址|现住址|住址|通讯地址|联系地址|家庭地址|户籍地址|地址|住所|住在|居住在|位于)")

_DIGITS = r"0-9０-９"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[年.\-/]\s*\d{1,2}\s*(?:[月.\-/]\s*\d{1,2}\s*日?|月)?"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"[〇零○一二三四五六七八九壹贰叁肆伍陆柒捌玖]{4}\s*年\s*[〇零○一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3}\s*月"
               r"(?:\s*[〇零○一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3}\s*日)?"),
)
_HOURS = re.compile(rf"[{_DIGITS}]+(?:\.\d+)?\s*(?:学时|课时|小时)")
_GRADES = re.compile(r"基本称职|基本合格|不称职|不合格|优秀|称职|合格")
_PROTECTED = (*_DATE_PATTERNS, _HOURS, _GRADES)


def _entity(kind: PiiType, text: str, start: int, end: int, score: float, source: str) -> PiiEntity:
    return PiiEntity(type=kind, start=start, end=end, text=text[start:end], score=score, source=source)


def plausible_birth_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def is_resident_id(number: str) -> bool:
    """An 18-digit ID with a correct check digit, or a 15-digit old ID; plausible province and birth date."""
    number = number.replace(" ", "").upper()
    if number[:2] not in _PROVINCES:
        return False
    if len(number) == 18:
        if not number[:17].isdigit() or ric.calc_check_digit(number) != number[-1]:
            return False
        return plausible_birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if len(number) == 15 and number.isdigit():
        return plausible_birth_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def find_id_numbers(text: str) -> list[PiiEntity]:
    found = []
    for match in _ID_RUN.finditer(text):
        before = text[max(0, match.start() - 10):match.start()]
        if _CERT_LABEL_BEFORE.search(before) and not _ID_LABEL.search(before):
            continue
        if is_resident_id(match.group()):
            score = 0.99 if len(match.group().replace(" ", "")) == 18 else 0.85
            found.append(_entity(PiiType.id_number, text, match.start(), match.end(), score, "id_checksum"))
    return found


_PERSONAL_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def find_phones(text: str) -> list[PiiEntity]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, "CN"):
        if phonenumbers.number_type(match.number) in _PERSONAL_PHONE_TYPES:
            found.append(_entity(PiiType.phone, text, match.start, match.end, 0.95, "phonenumbers"))
    return found


def find_emails(text: str) -> list[PiiEntity]:
    return [_entity(PiiType.email, text, m.start(), m.end(), 0.99, "email") for m in _EMAIL.finditer(text)]


def find_certificate_numbers(text: str) -> list[PiiEntity]:
    found = []
    for match in _CERT_LABEL.finditer(text):
        found.append(_entity(PiiType.certificate_number, text, match.start(2), match.end(2), 0.9, "cert_label"))
    return found


def _is_surname_initial(candidate: str) -> bool:
    return candidate[0] in SURNAMES or candidate.startswith(COMPOUND_SURNAMES)


def _cut_at_stop(candidate: str) -> str:
    cut = len(candidate)
    for stop in (*_NAME_STOPS, *_NOT_NAME_WORDS):
        index = candidate.find(stop, 1)
        if 0 < index < cut:
            cut = index
    return candidate[:cut]


def find_context_names(text: str) -> list[PiiEntity]:
    """Names after a person label (姓名, 审核人, 签名 …): labelled 'other_name'; the known
    applicant name is re-typed by the resolver when it overlaps."""
    found = []
    for match in _NAME_AFTER_LABEL.finditer(text):
        candidate = _cut_at_stop(match.group(2))
        strong_label = re.sub(r"\s", "", match.group(1)) in ("姓名", "持证人")
        # Beyond four characters only a 姓名 label vouches for a long (e.g. Mongolian) name.
        candidate = candidate if strong_label else candidate[:4]
        if len(candidate) < 2 or any(word in candidate for word in _NOT_NAME_WORDS):
            continue
        if not (strong_label or _is_surname_initial(candidate)):
            continue
        start = match.start(2)
        found.append(_entity(PiiType.other_name, text, start, start + len(candidate), 0.8, "name_label"))
    return found


def find_units(text: str) -> list[PiiEntity]:
    """Employer units by suffix. School names (大学/学院/学校) and issuing authorities stay visible;
    a weak suffix (局/院/厂/站/中心) counts only with an employer label or a place name."""
    found = []
    for match in _UNIT.finditer(text):
        start, candidate = match.start(), match.group()
        leading = _LEADING_WORDS.match(candidate)
        if leading:
            start, candidate = start + leading.end(), candidate[leading.end():]
        if len(candidate) < 4 or _AUTHORITY.search(candidate):
            continue
        labelled = bool(_EMPLOYER_LABEL.search(text[max(0, start - 8):start]))
        if _SCHOOL_END.search(candidate) and not labelled:
            continue
        if not (_UNIT_STRONG_END.search(candidate) or labelled or _PLACE.search(candidate)):
            continue
        found.append(_entity(PiiType.unit, text, start, start + len(candidate), 0.75, "unit_suffix"))
    return found


def find_addresses(text: str) -> list[PiiEntity]:
    found = []
    for match in _ADDRESS_LABEL.finditer(text):
        found.append(_entity(PiiType.address, text, match.start(2), match.end(2), 0.85, "address_label"))
    for pattern in (_ADDRESS_STREET, _ADDRESS_ESTATE):
        for match in pattern.finditer(text):
            start, candidate = match.start(), match.group()
            leading = _ADDRESS_LEADING.match(candidate)
            if leading:
                start += leading.end()
            if match.end() - start >= 5:
                found.append(_entity(PiiType.address, text, start, match.end(), 0.7, "address_pattern"))
    return found


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Dates, hours and grades: the committee needs them, so no PII span may cover them."""
    return [(m.start(), m.end()) for pattern in _PROTECTED for m in pattern.finditer(text)]


RECOGNISERS = (
    find_id_numbers, find_phones, find_emails, find_certificate_numbers,
    find_context_names, find_units, find_addresses,
)
