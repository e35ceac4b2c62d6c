"""What every recogniser module shares: the entity constructor, label spacing, and name guards.

A recogniser is a module under ``masking.recognizers``, named after its PII type (the module
makes the ``PiiType`` member), declaring ``TYPE`` (that member), ``PLACEHOLDER`` (what text outputs
show instead), ``NAME`` (its Chinese name), ``PRIORITY`` (who wins an overlap: the more specific or
validated type), ``LABELS`` (the printed labels it keys on) and ``find()``. Text recognisers take the
page text; a module declaring ``RUNS_ON`` does not (``photo`` the image, ``signature`` the layout).
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType

CJK = "\u4e00-\u9fff"


def spaced(*words: str) -> str:
    """An alternation matching each label word even when the form spaces it out ("管 理 号", "姓　　名"),
    longest first so "单位负责人" is preferred to "负责人"."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(r"\s*".join(re.escape(ch) for ch in word) for word in ordered)


def entity(kind: PiiType, text: str, start: int, end: int, score: float, source: str) -> PiiEntity:
    return PiiEntity(type=kind, start=start, end=end, text=text[start:end], score=score, source=source)


SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝乌哈那达其敬"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "长孙", "慕容", "宇文", "呼延", "端木")

# A name candidate stops where the next form label begins ("姓名王建国性别男").
NAME_STOPS = (
    "性别", "出生", "民族", "身份", "单位", "职务", "职称", "日期", "部门", "专业", "学历", "籍贯",
    "电话", "政治", "签", "盖", "年", "月", "日", "男", "女", "（", "(", "同志",
)
# Words that end a name candidate. Whole words, not their characters: 秀, 学, 同, 时 and 意 are
# common in given names (边秀兰, 李学军), so a character list would cut real names short.
NOT_NAME_WORDS = (
    "年", "月", "日", "章", "印", "盖", "签", "局", "院", "处", "单位", "部门", "公司", "科室", "审核", "意见",
    "同意", "合格", "优秀", "称职", "批准", "证书", "编号", "时间", "学历", "学位", "学校", "字样", "委员会",
    "人力", "资源", "社会", "保障", "教育", "机关", "无", "情况", "结论", "等次", "学时", "专业", "科目",
    "审验", "审批", "复核", "考核", "验证", "内蒙", "自治区", "盟", "旗", "省", "市", "县",
    "合计", "总计", "小计", "备注", "以上", "推荐", "主管", "领导", "负责",
    "职称", "职务", "性别", "民族", "日期", "姓名", "签名", "签字", "身份", "号码", "证号", "编号",
    "工程师", "高级", "助理", "经济师", "会计师",
)
# A candidate of three or more characters ending so is a department (运维检修部), not a person.
_DEPARTMENT_END = re.compile(r"[部科处室所队班组]$")


def is_surname_initial(candidate: str) -> bool:
    return bool(candidate) and (candidate[0] in SURNAMES or candidate.startswith(COMPOUND_SURNAMES))


def cut_at_stop(candidate: str) -> str:
    cut = len(candidate)
    for stop in (*NAME_STOPS, *NOT_NAME_WORDS):
        index = candidate.find(stop, 1)
        if 0 < index < cut:
            cut = index
    return candidate[:cut]


def looks_like_name(candidate: str) -> bool:
    return (len(candidate) >= 2 and not any(word in candidate for word in NOT_NAME_WORDS)
            and not (len(candidate) >= 3 and _DEPARTMENT_END.search(candidate)))
